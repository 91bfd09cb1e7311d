import os

# Every reply the suite sees is checked against its model (protocol.models), in this process
# and in every hall process a test starts (they inherit the environment).
os.environ["HALL_CHECK_REPLIES"] = "1"
