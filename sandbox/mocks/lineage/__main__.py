from sandbox.mocks.common.server import serve
from sandbox.mocks.lineage.app import make_app

if __name__ == "__main__":
    serve("lineage", make_app)
