"""The test session never writes to the real index under var/."""

from django.conf import settings
from haystack import connections


def test_index_path_is_temporary_not_var():
    path = connections["default"].get_backend().path
    assert str(settings.DATA_DIR) not in path
    assert "archive-test-index-" in path


def test_search_index_fixture_gives_own_directory(search_index):
    assert connections["default"].get_backend().path == str(search_index)
