"""Supermarket chains (chuỗi siêu thị) and their stores: the retailers' organisations."""
