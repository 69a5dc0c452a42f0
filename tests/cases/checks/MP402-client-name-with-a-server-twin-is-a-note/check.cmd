check --verbose site.mailpolicy
