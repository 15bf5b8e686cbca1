"""A deterministic generator of varied sentences for tokenizer parity tests."""

import random

PIECES = [
    "the", "movie", "was", "great", "terrible", "Amazing", "PLOT", "don't", "it's", "U.S.A.",
    "café", "naïve", "Ångström", "façade", "jalapeño", "Zürich", "résumé", "coöperate", "Ελληνικά",
    "ΟΔΟΣ", "Москва", "привет", "日本語", "中文字符", "한국어", "العربية", "עברית", "हिन्दी", "ไทย",
    "😀", "👍🏽", "❤️", "🇫🇷", "hello😀world", "e\u0301", "A\u030a", "ﬁne", "ﬂow", "²", "½", "Ⅻ",
    "ǅ", "İstanbul", "straße", "ß", "Ǆ", "ｆｕｌｌ", "ＡＢＣ", "１２３", "ｶﾀｶﾅ", "…", "—", "–", "«quote»",
    "“smart”", "‘single’", "$100", "€20", "£5", "¥", "#hashtag", "@user", "http://x.co/a?b=c&d",
    "e-mail", "3.14159", "1,000,000", "(parens)", "[brackets]", "{braces}", "<tag>", "a|b", "~tilde",
    "^caret", "`tick`", "back\\slash", "x" * 101, "supercalifragilisticexpialidocious" * 3,
    "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u200b", "\u200d", "\u00ad", "\x07", "\ufeff", "\ufffd",
    "\u0000", "a\u0300\u0301\u0302", "ǰ", "ﬀ", "Ｈｅｌｌｏ", "ℌ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "™", "©", "°C",
    "ﾟ", "゛", "ｰ", "ㄱ", "ᄀ", "가나다", "日本", "の", "カタカナ", "ひらがな", "\U00020000", "\U0002b740",
    "SHOUTING", "MiXeD", "O'Neil", "rock'n'roll", "...", "?!", "!!!", ":-)", ";)", "<3", "#1",
]


def varied_sentences(count: int, seed: int = 0) -> list[str]:
    """`count` sentences mixing scripts, accents, emoji, punctuation, controls and long words."""
    rng = random.Random(seed)
    out = ["", " ", "this is such an amazing movie!"]
    while len(out) < count:
        n = rng.randint(1, 14)
        sep = rng.choice([" ", " ", " ", "", "  ", "\t"])
        out.append(sep.join(rng.choice(PIECES) for _ in range(n)))
    return out
