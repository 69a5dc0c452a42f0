compile site.mailpolicy -o build
