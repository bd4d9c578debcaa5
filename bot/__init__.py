"""The composition root: settings, engine, create_app(), scheduler, `python -m bot`."""
