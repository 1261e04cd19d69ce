from sandbox.mocks.common.server import serve
from sandbox.mocks.common.tls import server_context
from sandbox.mocks.salesforce.app import make_app

if __name__ == "__main__":
    serve("salesforce", make_app, tls=server_context)
