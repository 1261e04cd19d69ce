from sandbox.mocks.common.server import serve
from sandbox.mocks.pager.app import make_app

if __name__ == "__main__":
    serve("pager", make_app)
