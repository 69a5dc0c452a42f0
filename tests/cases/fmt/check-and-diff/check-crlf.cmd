fmt --check crlf.txt
