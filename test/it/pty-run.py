"""Runs a command in a real pseudo-terminal; answers each `prompt -> reply` pair once when the prompt appears.

usage: python3 test/it/pty-run.py PROMPT REPLY -- command args...
Echoes everything the command writes; exits with the command's exit code.
"""
import os
import pty
import select
import sys

sep = sys.argv.index('--')
pairs = sys.argv[1:sep]
command = sys.argv[sep + 1:]
answers = [(pairs[i].encode(), pairs[i + 1].encode()) for i in range(0, len(pairs), 2)]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

seen = b''
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 0.5)
    except OSError:
        break
    if fd not in ready:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    for i, (prompt, reply) in enumerate(answers):
        if prompt in seen:
            os.write(fd, reply + b'\n')
            answers.pop(i)
            seen = b''
            break

_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
