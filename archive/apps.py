from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Archive"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from archive import oai, site_url  # noqa: F401 - site_url registers a deploy check
        from archive.models import Essay

        # OAI-PMH reports deleted essays as deleted records (deletedRecord "persistent").
        post_delete.connect(oai.record_tombstone, sender=Essay, dispatch_uid="oai-tombstone")
        post_save.connect(oai.clear_tombstone, sender=Essay, dispatch_uid="oai-untombstone")
