from mocks.common.server import serve
from mocks.lineage.app import make_app

if __name__ == "__main__":
    serve("lineage", make_app)
