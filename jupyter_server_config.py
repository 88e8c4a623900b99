# JupyterLab/Jupyter Server settings of the project, used by `make lab`.
# Saving a notebook runs helpers.notebook_files.pre_save_hook: source notebooks in notebooks/
# are normalised as committed (no outputs, no run metadata), and saving into reports/ or
# figures/ (the committed report, written only by `make report`) is refused; renames, moves,
# deletes and copies into or out of those folders are refused by helpers.lab.GuardedContentsManager.
c = get_config()  # noqa: F821  (provided by Jupyter when it loads this file)
c.ServerApp.contents_manager_class = "helpers.lab.GuardedContentsManager"
c.ContentsManager.pre_save_hook = "helpers.notebook_files.pre_save_hook"
# Notebooks run on the project's kernel (registered by `make env`).
c.MappingKernelManager.default_kernel_name = "japan-us-korea-survey-2025"
