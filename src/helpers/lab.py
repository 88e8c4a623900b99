"""JupyterLab's contents manager for ``make lab``: file operations guarded like saves.

The pre-save hook (:func:`helpers.notebook_files.pre_save_hook`) guards saves; renames,
moves, deletes and copies go through other methods, guarded here by the same rule: nothing
goes into or out of ``reports/`` or ``figures/`` except through ``make report``.
"""

from __future__ import annotations

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from .notebook_files import refuse_generated


class GuardedContentsManager(AsyncLargeFileManager):
    """jupyter_server's default contents manager, refusing changes to the committed report."""

    async def rename_file(self, old_path, new_path):
        refuse_generated("move", old_path, new_path)
        return await super().rename_file(old_path, new_path)

    async def delete_file(self, path):
        refuse_generated("delete", path)
        return await super().delete_file(path)

    async def copy(self, from_path, to_path=None):
        refuse_generated("copy", from_path, to_path)
        return await super().copy(from_path, to_path)

    async def new(self, model=None, path=""):
        refuse_generated("create", path)
        return await super().new(model, path)
