fmt a.mailpolicy b.mailpolicy
