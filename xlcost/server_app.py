"""xlwings Server with xlcost's guard (``xlcost.server``): ``uvicorn xlcost.server_app:app``."""

from xlwings_server.main import main_app

from .server import Guard

app = Guard(main_app)
