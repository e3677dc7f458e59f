"""The consumer pages' words, in Vietnamese (the default) and English.

Every page a consumer sees is in one language throughout: a key missing from one language
is a test failure, not an English word on a Vietnamese page. Values may hold ``{name}``
placeholders; pages fill them through the escaping formatter, never by concatenation.
"""

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
        "suspicious": "Cảnh báo: tem đáng ngờ",
        "suspicious_body": ("Tem này đã được quét {n} lần ở {m} nơi. Tem có thể đã bị sao chép."),
        "suspicious_next": (
            "Nếu bạn vừa mua sản phẩm: cào lớp phủ và kiểm tra mã cào bên dưới, hỏi người "
            "bán, và báo cho chúng tôi nếu còn nghi ngờ."
        ),
        # Revoked stamps: each cause has its own heading and its own advice.
        "revoked_damaged_replaced": "Tem đã được thay thế",
        "revoked_damaged_replaced_body": (
            "Tem này bị hỏng khi dán và đã được thay bằng một tem mới. Sản phẩm không bị ảnh hưởng."
        ),
        # The same, when the stamp's lot is recalled: the product *is* affected.
        "revoked_damaged_replaced_recalled_body": (
            "Tem này bị hỏng khi dán và đã được thay bằng một tem mới."
        ),
        "revoked_damaged_replaced_next": (
            "Hãy quét tem mới trên hộp. Nếu hộp không có tem mới, hãy hỏi người bán hoặc "
            "báo cho chúng tôi."
        ),
        "revoked_recalled": "Sản phẩm đã bị thu hồi",
        "revoked_recalled_body": "Sản phẩm mang tem này đã bị thu hồi.",
        "revoked_recalled_next": (
            "Không sử dụng sản phẩm. Mang sản phẩm trả lại nơi mua để được đổi hoặc hoàn tiền."
        ),
        "revoked_counterfeit": "Tem giả",
        "revoked_counterfeit_body": (
            "Cơ quan quản lý đã xác định tem này là tem giả hoặc tem bị sao chép."
        ),
        "revoked_counterfeit_next": (
            "Không sử dụng sản phẩm. Giữ lại hoá đơn và bao bì, và cho chúng tôi biết bạn "
            "đã mua ở đâu."
        ),
        "revoked_order_cancelled": "Tem của đợt in đã hủy",
        "revoked_order_cancelled_body": (
            "Tem này thuộc một đợt in mà cơ sở sản xuất đã hủy, được cơ quan quản lý chấp "
            "thuận. Tem không được dùng trên sản phẩm."
        ),
        "revoked_order_cancelled_next": (
            "Hỏi người bán vì sao sản phẩm mang tem này. Nếu còn nghi ngờ, giữ lại hoá đơn "
            "và báo cho chúng tôi bên dưới."
        ),
        "revoked_other": "Tem đã bị thu hồi",
        "revoked_other_body": "Tem này đã bị cơ sở sản xuất hoặc cơ quan quản lý thu hồi.",
        "revoked_other_next": (
            "Hãy hỏi người bán hoặc gọi đường dây nóng trước khi sử dụng sản phẩm."
        ),
        "reason": "Lý do: {reason}",
        "not_genuine": "Không phải tem chính hãng",
        "not_genuine_body": (
            "Mã này không do cơ quan quản lý cấp hoặc đã bị sửa. Sản phẩm có thể không phải "
            "hàng chính hãng."
        ),
        "not_genuine_next": (
            "Không mua hoặc sử dụng sản phẩm cho đến khi được xác minh. Giữ lại hoá đơn và "
            "bao bì, và báo cho chúng tôi bên dưới."
        ),
        "incomplete": "Đường liên kết chưa đầy đủ",
        "incomplete_body": (
            "Điện thoại chỉ đọc được một phần mã trên tem. Đây chưa phải là dấu hiệu hàng giả."
        ),
        "incomplete_next": (
            "Hãy quét lại tem: giữ điện thoại thẳng, đủ sáng, để cả mã QR nằm trong khung hình."
        ),
        "incomplete_report": "Quét lại vẫn không được? Báo cho chúng tôi",
        "next": "Bạn nên làm gì",
        "hotline": "Đường dây nóng của cơ quan quản lý",
        "hotline_label": "Đường dây nóng",
        "recall": "Sản phẩm bị thu hồi",
        "recall_body": "Lô hàng {lot} đã bị thu hồi ngày {date}.",
        "recall_next": (
            "Không sử dụng sản phẩm. Mang sản phẩm trả lại nơi mua để được đổi hoặc hoàn tiền."
        ),
        "expired": "Sản phẩm đã hết hạn sử dụng ({date}).",
        "product": "Sản phẩm",
        "brand": "Nhãn hiệu",
        "gtin": "Mã sản phẩm (GTIN)",
        "trace_code": "Mã truy vết",
        "record": "Hồ sơ truy xuất theo Thông tư 02/2024/TT-BKHCN",
        "serial": "Số sê-ri tem",
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
        "area": "Vùng trồng",
        "activated": "Ngày kích hoạt tem",
        "timeline": "Hành trình lô hàng",
        "more_events": "và {n} sự kiện trước đó",
        "harvest": "Thu hoạch",
        "processing": "Sơ chế, chế biến",
        "packing": "Đóng gói",
        "shipping": "Vận chuyển",
        "receiving": "Nhận hàng",
        "storing": "Bảo quản",
        "inspecting": "Kiểm tra chất lượng",
        "other": "Công đoạn khác",
        "buy": "Mua lại sản phẩm",
        "buy_on": "Mua trên {platform}",
        "own_shop": "Cửa hàng của cơ sở sản xuất",
        "other_shop": "Mua trực tuyến",
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
        "back_stamp": "Quay lại trang kiểm tra tem",
        "share_place": "Chia sẻ vị trí (giúp phát hiện tem giả)",
        "other_lang": "English",
        "passport": "Thông tin nguồn gốc sản phẩm",
        "passport_body": (
            "Trang này cho biết sản phẩm đến từ đâu. Để biết hộp hàng trên tay là hàng thật, "
            "hãy quét tem thông minh dán trên hộp."
        ),
        # Report a fake
        "report": "Báo hàng giả",
        "report_title": "Báo cho cơ quan quản lý",
        "report_intro": ("Báo cáo được gửi tới cơ quan quản lý tỉnh. Bạn không cần đăng nhập."),
        "report_problem": "Điều gì không ổn?",
        "report_problem_hint": "Ví dụ: tem bị bóc dán lại, bao bì khác thường, giá quá rẻ…",
        "report_where": "Bạn mua ở đâu?",
        "report_where_hint": "Tên cửa hàng và địa chỉ, hoặc trang bán hàng trực tuyến",
        "report_photo": "Ảnh tem hoặc sản phẩm (không bắt buộc)",
        "report_phone": "Số điện thoại để chúng tôi liên hệ lại (không bắt buộc)",
        "report_send": "Gửi báo cáo",
        "report_sent": "Cảm ơn bạn đã báo cáo",
        "report_sent_body": (
            "Chúng tôi đã nhận báo cáo số {id}. Cơ quan quản lý sẽ xem xét và liên hệ lại nếu "
            "bạn để lại số điện thoại."
        ),
        "report_keep": "Hãy giữ lại sản phẩm, bao bì và hoá đơn cho tới khi được liên hệ.",
        "report_limited": (
            "Mạng của bạn đã gửi nhiều báo cáo trong thời gian ngắn. Vui lòng thử lại sau "
            "{minutes} phút hoặc gọi đường dây nóng."
        ),
        "report_fix": "Vui lòng sửa các mục được đánh dấu.",
        "err_problem_missing": "Hãy cho biết điều gì không ổn.",
        "err_problem_long": "Tối đa {max} ký tự.",
        "err_where_long": "Tối đa {max} ký tự.",
        "err_text_invalid": "Nội dung chứa ký tự không hợp lệ.",
        "err_phone": "Số điện thoại không hợp lệ (ví dụ 0912 345 678).",
        "err_photo": "Ảnh phải là JPEG, PNG hoặc WebP, tối đa {mb} MB.",
        # Pages that are not a verdict
        "unavailable": "Tem có chữ ký hợp lệ",
        "unavailable_body": (
            "Chữ ký số trên tem là của cơ quan quản lý. Thông tin chi tiết về sản phẩm tạm "
            "thời chưa xem được."
        ),
        "unavailable_next": "Vui lòng quét lại sau ít phút.",
        "busy": "Hệ thống đang bận",
        "busy_body": "Vui lòng thử lại sau ít phút.",
        "not_found": "Không tìm thấy trang",
        "not_found_body": "Đường liên kết này không dẫn tới sản phẩm hay tem nào.",
        "bad_link": "Đường liên kết không hợp lệ",
        "bad_link_body": (
            "Đường liên kết này không phải mã của sản phẩm hay tem nào. Hãy quét lại tem hoặc "
            "mã vạch trên hộp."
        ),
        "error": "Đã có lỗi",
        "error_body": "Yêu cầu không thực hiện được. Vui lòng thử lại.",
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
        "suspicious": "Warning: suspicious stamp",
        "suspicious_body": (
            "This stamp was scanned {n} times in {m} places. It may have been copied."
        ),
        "suspicious_next": (
            "If you have just bought the product: scratch the coating and check the code below, "
            "ask the seller, and tell us if you still have doubts."
        ),
        "revoked_damaged_replaced": "Stamp replaced",
        "revoked_damaged_replaced_body": (
            "This stamp was damaged when it was applied and has been replaced by a new one. "
            "The product is not affected."
        ),
        "revoked_damaged_replaced_recalled_body": (
            "This stamp was damaged when it was applied and has been replaced by a new one."
        ),
        "revoked_damaged_replaced_next": (
            "Scan the new stamp on the box. If the box has no new stamp, ask the seller or tell us."
        ),
        "revoked_recalled": "Product recalled",
        "revoked_recalled_body": "The product carrying this stamp has been recalled.",
        "revoked_recalled_next": (
            "Do not use the product. Take it back to where you bought it for an exchange or "
            "a refund."
        ),
        "revoked_counterfeit": "Counterfeit stamp",
        "revoked_counterfeit_body": (
            "The authority has found this stamp to be counterfeit or copied."
        ),
        "revoked_counterfeit_next": (
            "Do not use the product. Keep the receipt and the packaging, and tell us where you "
            "bought it."
        ),
        "revoked_order_cancelled": "Stamp from a cancelled print run",
        "revoked_order_cancelled_body": (
            "This stamp belongs to a print run its producer cancelled, with the authority's "
            "approval. It should not be on a product."
        ),
        "revoked_order_cancelled_next": (
            "Ask the seller why the product carries this stamp. If in doubt, keep the "
            "receipt and tell us below."
        ),
        "revoked_other": "Stamp revoked",
        "revoked_other_body": "This stamp has been revoked by the producer or the authority.",
        "revoked_other_next": "Ask the seller or call the hotline before using the product.",
        "reason": "Reason: {reason}",
        "not_genuine": "Not a genuine stamp",
        "not_genuine_body": (
            "This code was not issued by the authority or has been altered. The product may "
            "not be genuine."
        ),
        "not_genuine_next": (
            "Do not buy or use the product until it has been checked. Keep the receipt and the "
            "packaging, and tell us below."
        ),
        "incomplete": "The link is incomplete",
        "incomplete_body": (
            "Your phone read only part of the stamp's code. This alone is no sign of a fake."
        ),
        "incomplete_next": (
            "Scan the stamp again: hold the phone straight, in good light, with the whole QR "
            "code inside the frame."
        ),
        "incomplete_report": "Still not working after scanning again? Tell us",
        "next": "What to do",
        "hotline": "The authority's hotline",
        "hotline_label": "Hotline",
        "recall": "Product recalled",
        "recall_body": "Lot {lot} was recalled on {date}.",
        "recall_next": (
            "Do not use the product. Take it back to where you bought it for an exchange or "
            "a refund."
        ),
        "expired": "This product expired on {date}.",
        "product": "Product",
        "brand": "Brand",
        "gtin": "Product code (GTIN)",
        "trace_code": "Trace code",
        "record": "Traceability record (Circular 02/2024/TT-BKHCN)",
        "serial": "Stamp serial",
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
        "area": "Planting area",
        "activated": "Stamp activated",
        "timeline": "The lot's journey",
        "more_events": "and {n} earlier events",
        "harvest": "Harvest",
        "processing": "Processing",
        "packing": "Packing",
        "shipping": "Shipping",
        "receiving": "Receiving",
        "storing": "Storage",
        "inspecting": "Quality check",
        "other": "Other step",
        "buy": "Buy again",
        "buy_on": "Buy on {platform}",
        "own_shop": "The producer's own shop",
        "other_shop": "Buy online",
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
        "back_stamp": "Back to the stamp check",
        "share_place": "Share my location (helps detect fakes)",
        "other_lang": "Tiếng Việt",
        "passport": "Where this product comes from",
        "passport_body": (
            "This page shows the product's origin. To check that the box in your hands is "
            "genuine, scan the smart stamp on it."
        ),
        "report": "Report a fake",
        "report_title": "Tell the authority",
        "report_intro": "Your report goes to the provincial authority. No account is needed.",
        "report_problem": "What is wrong?",
        "report_problem_hint": "For example: the stamp was peeled and re-applied, odd packaging…",
        "report_where": "Where did you buy it?",
        "report_where_hint": "The shop's name and address, or the online store",
        "report_photo": "A photo of the stamp or the product (optional)",
        "report_phone": "Your phone number, so that we can call you back (optional)",
        "report_send": "Send the report",
        "report_sent": "Thank you for your report",
        "report_sent_body": (
            "We have received report number {id}. The authority will look into it and call "
            "you back if you left a phone number."
        ),
        "report_keep": "Please keep the product, its packaging and the receipt until then.",
        "report_limited": (
            "Many reports were sent from your network in a short time. Please try again in "
            "{minutes} minutes or call the hotline."
        ),
        "report_fix": "Please correct the marked fields.",
        "err_problem_missing": "Please say what is wrong.",
        "err_problem_long": "At most {max} characters.",
        "err_where_long": "At most {max} characters.",
        "err_text_invalid": "The text holds characters that are not allowed.",
        "err_phone": "Not a phone number (for example 0912 345 678).",
        "err_photo": "The photo must be a JPEG, PNG or WebP image of at most {mb} MB.",
        "unavailable": "The stamp's signature is valid",
        "unavailable_body": (
            "The stamp was signed by the provincial authority. The product's details are "
            "temporarily unavailable."
        ),
        "unavailable_next": "Please scan again in a few minutes.",
        "busy": "The service is busy",
        "busy_body": "Please try again in a few minutes.",
        "not_found": "Page not found",
        "not_found_body": "This link leads to no product or stamp.",
        "bad_link": "This link is not valid",
        "bad_link_body": (
            "This link is not the code of any product or stamp. Scan the stamp or the barcode "
            "on the box again."
        ),
        "error": "Something went wrong",
        "error_body": "The request could not be completed. Please try again.",
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
}
"""Marketplaces by name; ``own_shop`` and ``other`` are worded per language instead."""


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
