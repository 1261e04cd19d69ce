from sandbox.mocks.common.server import serve
from sandbox.mocks.crm.app import make_app

if __name__ == "__main__":
    serve("crm", make_app)
