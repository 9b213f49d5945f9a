# DMS MLflow notebook session: the variables the platform manages (the workspace's MLflow tracking URI) follow the
# session's wiring file before every cell, so they appear when an instance becomes RUNNING and go when it is released.
def _dms_session_setup():
    import json
    import os

    path = os.environ.get("DMS_SESSION_WIRING")
    managed = ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN")

    def sync(*_):
        try:
            with open(path) as f:
                wanted = json.load(f)
        except (OSError, ValueError, TypeError):
            return
        for key in managed:
            value = wanted.get(key)
            if value:
                os.environ[key] = value
            else:
                os.environ.pop(key, None)

    sync()
    ip = get_ipython()  # noqa: F821 (defined in IPython startup files)
    if ip is None:
        return
    if path:
        ip.events.register("pre_run_cell", sync)
    if os.environ.get("DMS_SESSION_DEVELOPMENT_MODE") == "1":
        # development mode: imported modules are reloaded when their files change (hot reload)
        ip.run_line_magic("load_ext", "autoreload")
        ip.run_line_magic("autoreload", "2")


_dms_session_setup()
del _dms_session_setup
