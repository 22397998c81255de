"""Read stations from a CSV file with Chinese headers, checking every row and reporting bad ones by line."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .regions import RegionTable, load_regions
from .station import Station
from .vocabulary import SERVICE_TAGS, STATION_KINDS, split_roads

HEADERS: tuple[str, ...] = (
    "名称",
    "类型",
    "省份",
    "城市",
    "区县",
    "道路",
    "方向",
    "地址",
    "纬度",
    "经度",
    "服务",
    "车位",
    "营业时间",
    "电话",
)

SERVICE_SEPARATORS_RE = re.compile(r"[、;；，,/\s]+")
# The 2025 notice names "停车休息" as one service; the tag set keeps the two apart.
_SERVICE_ALIASES: dict[str, tuple[str, ...]] = {"停车休息": ("停车", "休息")}

# Mainland China with its islands, generously: a point outside is a typo or swapped columns.
CHINA_LAT = (3.5, 54.0)
CHINA_LNG = (73.0, 136.0)

MSG_EMPTY_FILE = "文件是空的，第一行应为表头：{headers}"
MSG_BAD_ENCODING = "文件编码无法识别，请用 UTF-8 另存后再导入"
MSG_MISSING_COLUMNS = "缺少列：{missing}。表头应为：{headers}"
MSG_UNKNOWN_COLUMNS = "（无法识别的列：{unknown}）"
MSG_TOO_MANY_FIELDS = "这一行的列数比表头多（地址里的逗号要用英文双引号把整个地址括起来）"
MSG_NO_NAME = "名称不能为空"
MSG_BAD_KIND = "类型「{kind}」不认识，可选：{kinds}"
MSG_NO_PROVINCE = "省份不能为空"
MSG_BAD_PROVINCE = "省份「{province}」不认识"
MSG_BAD_SERVICE = "服务「{services}」不认识，可选：{tags}"
MSG_HALF_COORDINATES = "纬度和经度要么都填，要么都不填"
MSG_NOT_A_NUMBER = "{field}「{value}」不是数字"
MSG_SWAPPED = "纬度和经度好像填反了（纬度在前，例如 26.63,106.75）"
MSG_OUT_OF_CHINA = "坐标（{lat},{lng}）不在中国境内：纬度应在 3.5～54，经度应在 73～136"
MSG_BAD_PARKING = "车位「{value}」应为不小于 0 的整数"
MSG_DUPLICATE = "与第 {line} 行重复（名称、省份、城市、区县、地址都相同）"


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one line of the file (line 1 is the header)."""

    line: int
    reason: str


def parse_services(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Split a 服务 cell into tags in SERVICE_TAGS order; also return the words that are no tag."""
    found: set[str] = set()
    unknown: list[str] = []
    for word in SERVICE_SEPARATORS_RE.split(text.strip()):
        if not word:
            continue
        if word in _SERVICE_ALIASES:
            found.update(_SERVICE_ALIASES[word])
        elif word in SERVICE_TAGS:
            found.add(word)
        elif word not in unknown:
            unknown.append(word)
    return tuple(tag for tag in SERVICE_TAGS if tag in found), unknown


def _parse_coordinates(lat_text: str, lng_text: str, reasons: list[str]) -> tuple[float | None, float | None]:
    """Check a latitude/longitude pair; append reasons for a bad one."""
    if not lat_text and not lng_text:
        return None, None
    if not lat_text or not lng_text:
        reasons.append(MSG_HALF_COORDINATES)
        return None, None
    values: list[float] = []
    for field, text in (("纬度", lat_text), ("经度", lng_text)):
        try:
            value = float(text)
        except ValueError:
            reasons.append(MSG_NOT_A_NUMBER.format(field=field, value=text))
            continue
        if not math.isfinite(value):
            reasons.append(MSG_NOT_A_NUMBER.format(field=field, value=text))
            continue
        values.append(value)
    if len(values) != 2:
        return None, None
    lat, lng = values

    def inside(a: float, b: float) -> bool:
        """Tell whether (a, b) as (lat, lng) lies in China's box."""
        return CHINA_LAT[0] <= a <= CHINA_LAT[1] and CHINA_LNG[0] <= b <= CHINA_LNG[1]

    if inside(lat, lng):
        return lat, lng
    reasons.append(MSG_SWAPPED if inside(lng, lat) else MSG_OUT_OF_CHINA.format(lat=lat_text, lng=lng_text))
    return None, None


def _parse_parking(text: str, reasons: list[str]) -> int | None:
    """Check a 车位 cell: empty, or a non-negative integer."""
    if not text:
        return None
    if re.fullmatch(r"\d+", text):
        return int(text)
    reasons.append(MSG_BAD_PARKING.format(value=text))
    return None


def _decode(data: bytes) -> str | None:
    """Decode file bytes: UTF-8 (with or without BOM), else GB18030 as Excel on Chinese Windows saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return None


def parse_stations_csv(
    source: str | bytes,
    regions: RegionTable | None = None,
) -> tuple[list[Station], list[RowError]]:
    """Parse CSV text or bytes into stations (without ids) and errors; bad rows are reported and skipped."""
    if isinstance(source, bytes):
        text = _decode(source)
        if text is None:
            return [], [RowError(0, MSG_BAD_ENCODING)]
    else:
        text = source.removeprefix("\ufeff")
    regions = regions or load_regions()
    headers_text = ",".join(HEADERS)

    reader = csv.reader(io.StringIO(text, newline=""))
    header_row = next(reader, None)
    if header_row is None or not any(cell.strip() for cell in header_row):
        return [], [RowError(1, MSG_EMPTY_FILE.format(headers=headers_text))]
    header = [cell.strip().removeprefix("\ufeff") for cell in header_row]
    missing = [name for name in HEADERS if name not in header]
    if missing:
        reason = MSG_MISSING_COLUMNS.format(missing="、".join(missing), headers=headers_text)
        unknown = [name for name in header if name and name not in HEADERS]
        if unknown:
            reason += MSG_UNKNOWN_COLUMNS.format(unknown="、".join(unknown))
        return [], [RowError(1, reason)]
    position = {name: header.index(name) for name in HEADERS}

    drafts: list[Station] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str, str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        reasons: list[str] = []
        if len(row) > len(header):
            errors.append(RowError(line, MSG_TOO_MANY_FIELDS))
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in position.items()}

        name = cells["名称"]
        if not name:
            reasons.append(MSG_NO_NAME)
        kind = cells["类型"]
        if kind not in STATION_KINDS:
            reasons.append(MSG_BAD_KIND.format(kind=kind, kinds="、".join(STATION_KINDS)))
        place = None
        if not cells["省份"]:
            reasons.append(MSG_NO_PROVINCE)
        else:
            place = regions.canonical(cells["省份"], cells["城市"], cells["区县"])
            if place is None:
                reasons.append(MSG_BAD_PROVINCE.format(province=cells["省份"]))
        services, unknown = parse_services(cells["服务"])
        if unknown:
            reasons.append(MSG_BAD_SERVICE.format(services="、".join(unknown), tags="、".join(SERVICE_TAGS)))
        lat, lng = _parse_coordinates(cells["纬度"], cells["经度"], reasons)
        parking = _parse_parking(cells["车位"], reasons)
        if reasons or place is None:
            errors.append(RowError(line, "；".join(reasons)))
            continue

        draft = Station(
            name=name,
            kind=kind,
            province=place.province,
            city=place.city or "",
            district=place.district or "",
            road="/".join(split_roads(cells["道路"])),
            direction=cells["方向"],
            address=cells["地址"],
            lat=lat,
            lng=lng,
            services=services,
            parking_spaces=parking,
            hours=cells["营业时间"],
            phone=cells["电话"],
        )
        key = draft.natural_key
        if key in seen:
            errors.append(RowError(line, MSG_DUPLICATE.format(line=seen[key])))
            continue
        seen[key] = line
        drafts.append(draft)
    return drafts, errors


def read_stations_csv(
    path: Path | str,
    regions: RegionTable | None = None,
) -> tuple[list[Station], list[RowError]]:
    """Read and parse a stations CSV file."""
    return parse_stations_csv(Path(path).read_bytes(), regions)
