"""Marketplace listings: where a consumer who scanned a stamp can buy the product again."""
