"""The bounded load run of issue 6 (`make load`), kept out of the test suite."""
