"""Bar charts as SVG, drawn here so they need no JavaScript: each named by its title, described in words,
with the same numbers in the table beside it.

Each bar has its label on the line above it, wrapped to the chart's width, so a long organisation name
is shown whole and the chart can be narrow: at 440 units wide it is drawn at its full size on a computer
and at about four fifths of it on a phone (375 px), where the words are still 14 px. The words take the
page's font (the stylesheet sets it on .app-chart); they are wrapped by an estimate of their width in that
font (Arial, or Liberation Sans, which has the same widths), with room to spare.
"""

from markupsafe import Markup, escape

WIDTH = 440
FONT_SIZE = 18
LINE_HEIGHT = 24
BAR_HEIGHT = 22
# Between the label and its bar, and between one bar and the next label.
LABEL_GAP, ROW_GAP = 4, 14
# Between a bar and its number.
NUMBER_GAP = 6
# Near-black on white is 19:1; the blue bars are 5.2:1 against white (WCAG asks 4.5:1 for text, 3:1 for shapes).
TEXT_COLOUR = "#0b0c0c"
BAR_COLOUR = "#1d70b8"
# Widths in Arial, as a share of the font size, for the characters that differ most from the average.
NARROW, WIDE = set("fijlrtI!|.,:;'()[] "), set("mwMW@")
# What the estimate may be short by (a fallback font a little wider than Arial).
SPARE = 1.15


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """About how wide these words are in Arial at this size, erring wide."""
    ems = 0.0
    for character in text:
        if character in NARROW:
            ems += 0.34
        elif character in WIDE:
            ems += 0.95
        elif not character.isascii():
            ems += 1.0  # accented letters, other scripts: as wide as the widest
        elif character.isupper():
            ems += 0.73
        else:
            ems += 0.58
    return ems * font_size * SPARE


def wrap(text: str, width: float) -> list[str]:
    """The words in lines no wider than `width`; a word too long for a line on its own is split."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while text_width(word) > width:  # a single word wider than the chart
            cut = len(word)
            while cut > 1 and text_width(word[:cut]) > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line or not lines:
        lines.append(line)
    return lines


def bar_chart(element_id: str, title: str, description: str, bars: list[tuple[str, int]]) -> Markup:
    """A horizontal bar chart as SVG: role img, named by its title and described in words, each bar
    labelled above it and followed by its number. Every part is a plain string with the words escaped
    into it (adding a str to Markup would escape the tags instead)."""
    most = max([value for _, value in bars] + [1])
    # The longest bar leaves room for the widest number after it.
    longest = WIDTH - NUMBER_GAP - max([text_width(str(value)) for _, value in bars] + [0])
    rows, y = [], ROW_GAP // 2
    for label, value in bars:
        lines = wrap(label, WIDTH)
        rows.append((lines, value, y))
        y += len(lines) * LINE_HEIGHT + LABEL_GAP + BAR_HEIGHT + ROW_GAP
    height = y - ROW_GAP // 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{element_id}-title {element_id}-desc" focusable="false">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<desc id="{element_id}-desc">{escape(description)}: '
        f"{escape('; '.join(f'{label} {value}' for label, value in bars))}</desc>",
    ]
    for lines, value, top in rows:
        for number, line in enumerate(lines):
            # The baseline: the capitals' height (about 0.72 of the size) below the top of the line, centred.
            baseline = top + number * LINE_HEIGHT + round((LINE_HEIGHT + 0.72 * FONT_SIZE) / 2)
            parts.append(
                f'<text x="0" y="{baseline}" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">{escape(line)}</text>'
            )
        bar_top = top + len(lines) * LINE_HEIGHT + LABEL_GAP
        length = round(longest * value / most)
        parts += [
            f'<rect x="0" y="{bar_top}" width="{max(length, 1)}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"></rect>',
            f'<text x="{max(length, 1) + NUMBER_GAP}" y="{bar_top + round((BAR_HEIGHT + 0.72 * FONT_SIZE) / 2)}" '
            f'font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">{value}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
