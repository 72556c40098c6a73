"""What the paramiko clients (paramiko_login.py, device_login.py) do once
logged in: run a command and read all it prints."""


def run(transport, command, timeout):
    """Run COMMAND in a new session; return (its output, stripped; exit status)."""
    chan = transport.open_session(timeout=timeout)
    chan.settimeout(timeout)
    chan.exec_command(command)
    out = b""
    while True:
        data = chan.recv(4096)
        if not data:
            break
        out += data
    return out.decode().strip(), chan.recv_exit_status()
