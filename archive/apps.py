from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Archive"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from archive import oai
        from archive.history import recording
        from archive.models import Essay

        # Every change to an essay, author, source or topic keeps a version (archive/history/).
        recording.register()

        # OAI-PMH reports deleted essays as deleted records (deletedRecord "persistent").
        post_delete.connect(oai.record_tombstone, sender=Essay, dispatch_uid="oai-tombstone")
        post_save.connect(oai.clear_tombstone, sender=Essay, dispatch_uid="oai-untombstone")
