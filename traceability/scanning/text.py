"""The consumer page's words, in Vietnamese (the default) and English."""

from __future__ import annotations

from typing import Final

Lang = str

TEXT: Final[dict[str, dict[str, str]]] = {
    "vi": {
        "site": "Tem truy xuất nguồn gốc · Hà Giang",
        "genuine": "Hàng chính hãng",
        "genuine_body": (
            "Tem hợp lệ, đã được cơ quan quản lý ký số. Đã quét {n} lần, lần đầu {first}."
        ),
        "genuine_first": "Hàng chính hãng · quét lần đầu",
        "genuine_first_body": "Tem hợp lệ, đã được ký số. Đây là lần quét đầu tiên tem này.",
        "not_activated": "Tem chưa được kích hoạt",
        "not_activated_body": (
            "Tem thật nhưng chưa được cơ sở sản xuất kích hoạt. Hãy hỏi người bán."
        ),
        "revoked": "Tem đã bị thu hồi",
        "revoked_body": "Lý do: {reason}. Không nên sử dụng sản phẩm này.",
        "suspicious": "Cảnh báo: tem đáng ngờ",
        "suspicious_body": "Tem này đã được quét {n} lần ở {m} nơi. Có thể là tem bị sao chép.",
        "not_genuine": "Không phải tem chính hãng",
        "not_genuine_body": (
            "Mã này không do cơ quan quản lý cấp hoặc đã bị sửa. Sản phẩm có thể là hàng giả."
        ),
        "expired": "Sản phẩm đã hết hạn sử dụng ({date}).",
        "product": "Sản phẩm",
        "brand": "Nhãn hiệu",
        "gtin": "Mã sản phẩm (GTIN)",
        "serial": "Số sê-ri tem",
        "ocop": "OCOP",
        "gi": "Chỉ dẫn địa lý",
        "standards": "Tiêu chuẩn áp dụng",
        "certificates": "Chứng nhận",
        "until": "đến",
        "producer": "Cơ sở sản xuất",
        "address": "Địa chỉ",
        "phone": "Điện thoại",
        "lot": "Lô hàng",
        "harvested": "Ngày thu hoạch",
        "expires": "Hạn sử dụng",
        "area": "Mã số vùng trồng",
        "activated": "Ngày kích hoạt tem",
        "timeline": "Hành trình lô hàng",
        "harvest": "Thu hoạch",
        "processing": "Sơ chế, chế biến",
        "packing": "Đóng gói",
        "shipping": "Vận chuyển",
        "receiving": "Nhận hàng",
        "storing": "Bảo quản",
        "inspecting": "Kiểm tra chất lượng",
        "other": "Công đoạn khác",
        "buy": "Mua lại sản phẩm",
        "pin_title": "Kiểm tra mã cào",
        "pin_help": "Cào lớp phủ trên tem và nhập 10 chữ số.",
        "pin_button": "Kiểm tra",
        "pin_verified": "Mã cào đúng: sản phẩm chính hãng.",
        "pin_already": (
            "Mã này đã được xác thực ngày {date}. Nếu bạn vừa cào tem, đây có thể là hàng sao chép."
        ),
        "pin_wrong": "Mã cào không đúng. Bạn còn {left} lần thử.",
        "pin_locked": "Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
        "back": "Quay lại trang sản phẩm",
        "share_place": "Chia sẻ vị trí (giúp phát hiện tem giả)",
        "report": "Báo hàng giả",
        "other_lang": "English",
        "passport": "Thông tin nguồn gốc sản phẩm",
        "passport_body": (
            "Trang này cho biết sản phẩm đến từ đâu. Để biết hộp hàng trên tay là hàng thật, "
            "hãy quét tem thông minh dán trên hộp."
        ),
        "times": "lần",
    },
    "en": {
        "site": "Traceability stamp · Hà Giang",
        "genuine": "Genuine",
        "genuine_body": (
            "A valid stamp signed by the provincial authority. Scanned {n} times, first on {first}."
        ),
        "genuine_first": "Genuine, first scan",
        "genuine_first_body": (
            "A valid stamp signed by the provincial authority. This is its first scan."
        ),
        "not_activated": "Not yet activated",
        "not_activated_body": (
            "A real stamp, but the producer has not activated it yet. Ask the seller."
        ),
        "revoked": "Revoked or recalled",
        "revoked_body": "Reason: {reason}. Do not use this product.",
        "suspicious": "Suspicious stamp",
        "suspicious_body": "This stamp was scanned {n} times in {m} places. It may be a copy.",
        "not_genuine": "Not a genuine stamp",
        "not_genuine_body": (
            "This code was not issued by the authority or has been "
            "altered. The product may be counterfeit."
        ),
        "expired": "This product expired on {date}.",
        "product": "Product",
        "brand": "Brand",
        "gtin": "Product code (GTIN)",
        "serial": "Stamp serial",
        "ocop": "OCOP",
        "gi": "Geographical indication",
        "standards": "Applied standards",
        "certificates": "Certificates",
        "until": "until",
        "producer": "Producer",
        "address": "Address",
        "phone": "Phone",
        "lot": "Lot",
        "harvested": "Harvested",
        "expires": "Best before",
        "area": "Planting area code",
        "activated": "Stamp activated",
        "timeline": "The lot's journey",
        "harvest": "Harvest",
        "processing": "Processing",
        "packing": "Packing",
        "shipping": "Shipping",
        "receiving": "Receiving",
        "storing": "Storage",
        "inspecting": "Quality check",
        "other": "Other step",
        "buy": "Buy again",
        "pin_title": "Check the scratch code",
        "pin_help": "Scratch the stamp's coating and enter the 10 digits.",
        "pin_button": "Check",
        "pin_verified": "Correct code: this product is genuine.",
        "pin_already": (
            "This code was already verified on {date}. "
            "If you have just scratched it, this may be a copy."
        ),
        "pin_wrong": "Wrong code. {left} attempts left.",
        "pin_locked": "Too many wrong codes. Please try again in {minutes} minutes.",
        "back": "Back to the product page",
        "share_place": "Share my location (helps detect fakes)",
        "report": "Report a fake",
        "other_lang": "Tiếng Việt",
        "passport": "Where this product comes from",
        "passport_body": (
            "This page shows the product's origin. To check that the box in your hands is "
            "genuine, scan the smart stamp on it."
        ),
        "times": "times",
    },
}

PLATFORMS: Final[dict[str, str]] = {
    "voso": "Voso",
    "postmart": "Postmart",
    "sendo": "Sendo",
    "shopee": "Shopee",
    "lazada": "Lazada",
    "tiktok_shop": "TikTok Shop",
    "tiki": "Tiki",
    "vnexpress_shop": "Shop VnExpress",
    "own_shop": "Website",
    "other": "Shop",
}


def language(query_lang: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` wins; then the first of vi/en in Accept-Language; Vietnamese by default."""
    if query_lang in TEXT:
        return query_lang
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        primary = tag.split("-", 1)[0]
        if primary in TEXT:
            return primary
    return "vi"
