"""The history of essays, authors, sources and topics: every change kept, any version restored.

recording.py decides when a version is written, versions.py reads them, restore.py brings one
back, textdiff.py shows what changed. The admin's pages for them are in admin_views.py.
"""
