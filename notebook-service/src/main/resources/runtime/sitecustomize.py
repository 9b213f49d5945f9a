# DMS MLflow notebook session: connections this session opens into its VPC leave from the session's own address in the
# notebook subnet (DMS_SESSION_SOURCE_ADDRESS), as a pod's would, so the instance's load balancer ACL and security group
# judge the session itself. Locally the VPC is the loopback range: only connections to 127.0.0.0/8 are concerned.
import os as _dms_os

_dms_address = _dms_os.environ.get("DMS_SESSION_SOURCE_ADDRESS")
if _dms_address:
    import socket as _dms_socket

    _dms_connect = _dms_socket.socket.connect
    _dms_connect_ex = _dms_socket.socket.connect_ex

    def _dms_bind(sock, address):
        try:
            if (sock.family == _dms_socket.AF_INET and isinstance(address, tuple) and str(address[0]).startswith("127.")
                    and sock.getsockname()[1] == 0):
                sock.bind((_dms_address, 0))
        except OSError:
            pass

    def _dms_connect_from_session(self, address):
        _dms_bind(self, address)
        return _dms_connect(self, address)

    def _dms_connect_ex_from_session(self, address):
        _dms_bind(self, address)
        return _dms_connect_ex(self, address)

    _dms_socket.socket.connect = _dms_connect_from_session
    _dms_socket.socket.connect_ex = _dms_connect_ex_from_session
