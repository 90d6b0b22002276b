"""Why a file was refused, in words a clerk can act on (Chinese first, then English).

Reading errors come from `ocr` with their own code and sentences; this table adds what
the clerk should do. Codes not listed here (a new `ocr` code) still get a sensible reason
file with the generic advice.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str
    todo_zh: str
    todo_en: str
    detail: str = ""  # the reader's own words, e.g. "2000 pages, limit 200"


_RESCAN = ("请重新扫描或导出后，再放入收件文件夹。", "Scan or export it again and drop the new file into the intake folder.")

REASONS: dict[str, Reason] = {r.code: r for r in (
    Reason("empty", "文件是空的（0 字节）。", "The file is empty (0 bytes).",
           "请检查复制是否成功，重新放入完整的文件。", "Check that the copy succeeded and drop the complete file again."),
    Reason("unsupported_type", "不支持的文件类型。", "This kind of file is not supported.",
           "请提供 PDF、图片（PNG/JPG/TIFF/BMP/WEBP）或花名册（XLSX/CSV）。",
           "Provide a PDF, an image (PNG/JPG/TIFF/BMP/WEBP) or a roster (XLSX/CSV)."),
    Reason("truncated_pdf", "文件不完整（可能复制或下载中断）。", "The file is incomplete (the copy or download was cut short).",
           "请重新复制完整的文件。", "Copy the complete file again."),
    Reason("encrypted_pdf", "PDF 已加密或设有打开密码，无法读取。", "The PDF is encrypted or password-protected and cannot be read.",
           "请导出一份不加密的 PDF 或直接扫描成图片。", "Export an unencrypted PDF, or scan the paper to images."),
    Reason("not_an_image", "文件内容不是有效的图片或 PDF（扩展名与内容不符或已损坏）。",
           "The content is not a valid image or PDF (the extension does not match or the file is damaged).", *_RESCAN),
    Reason("decompression_bomb", "图片尺寸过大（可能是恶意或异常文件）。", "The image is far too large (possibly a malicious or broken file).",
           "请以 300 dpi 左右重新扫描。", "Scan again at about 300 dpi."),
    Reason("too_many_pages", "页数超过上限。", "The document has more pages than the limit.",
           "请按单位或证件拆分成较小的文件。", "Split it into smaller files, one unit or certificate at a time."),
    Reason("bad_roster", "花名册无法读取（表格格式不对或已损坏）。", "The roster spreadsheet cannot be read (wrong layout or damaged).",
           "请使用花名册模板另存为 XLSX 或 CSV。", "Save it from the roster template as XLSX or CSV."),
    Reason("roster_too_large", "花名册过大（行数、列数或解压后的大小超过上限）。",
           "The roster is too large (more rows, columns or unpacked bytes than a roster can have).",
           "请按单位拆分花名册（每个文件不超过 10000 行），另存为 XLSX 或 CSV 后再放入。",
           "Split the roster by unit (at most 10,000 rows a file), save it as XLSX or CSV and drop it again."),
    Reason("symlink", "这是一个指向收件文件夹以外的链接，系统不会跟随读取。",
           "This is a link pointing outside the intake folder; zhili does not follow it.",
           "请放入文件本身，而不是快捷方式或链接。", "Drop the file itself, not a shortcut or link."),
    Reason("not_a_file", "这不是普通文件（例如管道或设备），无法读取。",
           "This is not a regular file (e.g. a pipe or a device) and cannot be read.",
           "请放入普通的扫描件或表格文件。", "Drop an ordinary scan or spreadsheet file."),
    Reason("unreadable", "没有读取该文件的权限。", "zhili has no permission to read this file.",
           "请让管理员修改文件权限后重新放入。", "Ask the administrator to fix the file's permissions, then drop it again."),
    Reason("processing_failed", "多次处理均失败（程序崩溃或内存不足）。",
           "Processing failed repeatedly (the reader crashed or ran out of memory).",
           "请重新扫描（较低分辨率、较少页数）后再放入；如仍失败请联系技术人员。",
           "Scan again (lower resolution, fewer pages) and drop it again; if it still fails, contact support."),
    Reason("document_timeout", "处理时间超过上限。", "Processing took longer than the time limit.",
           "请拆分成较少页数的文件后再放入。", "Split it into files with fewer pages and drop them again."),
    Reason("page_timeout", "某一页识别时间超过上限。", "Reading one page took longer than the time limit.",
           "请以 300 dpi 左右重新扫描该页。", "Scan that page again at about 300 dpi."),
    Reason("too_large", "文件过大。", "The file is too large.",
           "请降低扫描分辨率或拆分文件。", "Scan at a lower resolution or split the file."),
    Reason("no_text", "未能识别出任何文字（可能是空白页或图像太模糊）。",
           "No text could be read (a blank page, or the image is too blurred).", *_RESCAN),
)}

GENERIC_TODO_REVIEW = ("请对照原件核对。", "Check it against the original.")

# Why a document went to a clerk as a whole (FieldNeedsReview with record "document"), for
# the cases where the code alone does not tell the clerk what to do.
REVIEW_REASONS: dict[str, Reason] = {r.code: r for r in (
    Reason("extraction_failed", "文件已识别文字，但自动提取内容时出错（程序缺陷，已记入日志）。",
           "The text was read, but extracting its contents failed (a bug, written to the log).",
           "请对照原件人工处理；处理完毕后更正本条即可消除（zhili review correct 文档号 extraction 已核对）。",
           "Deal with it from the original; then correct this item to clear it "
           "(zhili review correct DOC_ID extraction checked)."),
    Reason("county_conflict", "同一份文件被放进了不同县市区的收件文件夹，无法判断属于哪个县市区。",
           "The same file was dropped into the intake folders of different counties; whose it is cannot be told.",
           "请对照原件确定所属县市区并更正（zhili review correct 文档号 county 泰山区），更正前该文件不计入任何县市区。",
           "Decide from the original which county it belongs to and correct it "
           "(zhili review correct DOC_ID county 泰山区); until then it counts for no county."),
    Reason("unknown_document_kind", "无法判断文件类型（不像操作证、自查整改报告或花名册）。",
           "The kind of document could not be told (not like a certificate, a self-check report or a roster).",
           "请确认文件内容；如放错文件夹请移走，否则更正其类型。",
           "Check what the file is; remove it if it was dropped by mistake, otherwise correct its kind."),
)}


def review_reason(code: str) -> Reason:
    """What a clerk is told about a document-level review item (`REVIEW_REASONS`)."""
    known = REVIEW_REASONS.get(code)
    return known if known is not None else Reason(code, "需要人工核对。", "Needs a person to check.", *GENERIC_TODO_REVIEW)

GENERIC_TODO = ("请检查文件后重新放入；如有疑问请联系技术人员。", "Check the file and drop it again; if in doubt, contact support.")


def reason(code: str, detail: str = "", zh: str | None = None, en: str | None = None) -> Reason:
    """The reason for `code`; the reader's own sentences serve when the code is new here."""
    known = REASONS.get(code)
    if known is None:
        return Reason(code, zh or "无法读取该文件。", en or "The file cannot be read.", *GENERIC_TODO, detail=detail)
    return Reason(code, known.zh, known.en, known.todo_zh, known.todo_en, detail=detail)


def reason_text(r: Reason, filename: str, doc_id: str | None) -> str:
    """The body of `NAME.reason.txt` beside a refused file."""
    lines = [
        f"文件 File: {filename}",
        f"原因代码 Reason code: {r.code}",
        "",
        f"原因：{r.zh}",
        f"处理办法：{r.todo_zh}",
        "",
        f"Reason: {r.en}",
        f"What to do: {r.todo_en}",
    ]
    if r.detail:
        lines += [f"Detail: {r.detail}"]
    if doc_id:
        lines += ["", f"文档编号 Document ID (SHA-256): {doc_id}",
                  "原件已保存在文档库中。The original bytes are kept in the document store."]
    return "\n".join(lines) + "\n"
