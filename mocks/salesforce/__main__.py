from mocks.common.server import serve
from mocks.common.tls import server_context
from mocks.salesforce.app import make_app

if __name__ == "__main__":
    serve("salesforce", make_app, tls=server_context)
