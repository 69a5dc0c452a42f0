audit . -W
