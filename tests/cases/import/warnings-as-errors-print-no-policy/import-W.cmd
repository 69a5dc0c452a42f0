import . -W
