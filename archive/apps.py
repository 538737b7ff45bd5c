from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Archive"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from archive import oai, site_url  # noqa: F401 - site_url registers a deploy check
        from archive.caching import bump_after_commit
        from archive.history import recording
        from archive.models import Author, Authorship, Essay, Republication, Source, Topic

        # Every change to an essay, author, source or topic keeps a version (archive/history/).
        recording.register()

        # OAI-PMH reports deleted essays as deleted records (deletedRecord "persistent").
        post_delete.connect(oai.record_tombstone, sender=Essay, dispatch_uid="oai-tombstone")
        post_save.connect(oai.clear_tombstone, sender=Essay, dispatch_uid="oai-untombstone")

        # Every derived cache is keyed on the archive's version (archive/caching.py).
        for model in (Essay, Author, Source, Topic, Authorship, Republication):
            for signal in (post_save, post_delete):
                signal.connect(bump_after_commit, sender=model, dispatch_uid=f"version-{model}")
        m2m_changed.connect(
            bump_after_commit, sender=Essay.topics.through, dispatch_uid="version-topics"
        )
