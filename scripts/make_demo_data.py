"""Write tfsenti's bundled demo reviews (tfsenti/demo/{train,test}/{neg,pos}/*.txt).

The reviews are composed from sentences written for this project: an opening, two to four
remarks on aspects of the film (now and then one of the opposite polarity, as real reviews
hedge), sometimes a neutral aside, and a verdict. Test reviews are composed from sentences of
their own, which no training review uses, so the demo's test accuracy is a held-out figure.

    python scripts/make_demo_data.py   # rewrites tfsenti/demo/train and tfsenti/demo/test
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "tfsenti" / "demo"
COUNTS = {"train": 200, "test": 100}  # per class
SEEDS = {"train": 1, "test": 2}

TITLES = ["The Long Harbor", "Midnight Cartographer", "Paper Lanterns", "Iron Orchard",
          "A Quiet Frequency", "The Glass Meridian", "Salt and Ember", "Northbound",
          "The Last Projectionist", "Velvet Static", "Hollow Crown Road", "Summer of the Kites",
          "The Ninth Tenant", "Copper Sky", "Whistler's Bend", "Under the Viaduct", "Tin Angels",
          "The Arbiter", "Low Tide Waltz", "Ghosts of Alder Street", "Red Mesa", "The Understudy",
          "Blue Hour", "Cold Open", "The Lighthouse Keeper's Son", "Parallel Lines", "Wildfire Season",
          "The Clockmaker's Daughter", "Dead Reckoning", "Saturday Matinee"]
GENRES = ["thriller", "comedy", "drama", "horror film", "romance", "science fiction film",
          "western", "musical", "mystery", "war film", "animated feature", "documentary",
          "coming-of-age story", "heist movie", "period piece", "sequel", "remake", "biopic"]
ACTORS = ["Maya Lindqvist", "Tom Okafor", "Rosa Delgado", "Ivan Petrov", "Hannah Cole",
          "Kenji Mori", "Amara Obi", "Luca Bianchi", "Sofia Reyes", "Daniel Hart", "Priya Nair",
          "Ethan Brooks", "Claire Dubois", "Marcus Webb", "Yuki Tanaka", "Nadia Haddad"]
DIRECTORS = ["Elena Varga", "Samuel Price", "Aiko Sato", "Felix Braun", "Grace Mensah",
             "Owen Gallagher", "Leila Farah", "Victor Lund"]

POSITIVE = {
    "open": [
        "{title} is one of the best films I have seen this year.",
        "I went into {title} with low expectations and came out grinning.",
        "What a wonderful surprise {title} turned out to be.",
        "{title} is a smart, heartfelt {genre} that earns every minute of its running time.",
        "{director} has made something special with {title}.",
        "Easily the most satisfying {genre} I have watched in a long while.",
        "I loved {title} from the opening shot to the final frame.",
        "{title} is a gem, and I cannot wait to watch it again.",
        "Believe the hype: {title} is superb.",
        "This {genre} is a genuine triumph.",
    ],
    "aspect": [
        "{actor} gives a luminous, deeply moving performance.",
        "The script is sharp and funny, and every line of dialogue feels natural.",
        "The cinematography is gorgeous; nearly every frame could hang in a gallery.",
        "The pacing is perfect, and the two hours fly by.",
        "The soundtrack is beautiful and lingers long after the credits roll.",
        "The ending is brave, surprising and completely earned.",
        "{actor} and {actor2} have terrific chemistry together.",
        "The characters are rich and believable, and I cared about every one of them.",
        "The plot is clever without ever being confusing.",
        "The supporting cast is excellent, especially {actor2} in a small but memorable role.",
        "The humour lands every time and never undercuts the emotion.",
        "The action scenes are thrilling and easy to follow.",
        "{director}'s direction is confident and full of lovely little touches.",
        "The world-building is imaginative and wonderfully detailed.",
        "It is tense, gripping and genuinely scary when it needs to be.",
        "The final act is powerful and left half the audience in tears.",
        "The editing is crisp and the story moves with real energy.",
        "The production design is stunning and the costumes are a delight.",
        "It handles its big themes with honesty, warmth and intelligence.",
        "Every performance rings true, right down to the smallest part.",
    ],
    "hedge": [
        "The middle section sags a little, but it hardly matters.",
        "A couple of scenes run long, yet I never once checked my watch.",
        "The trailer made it look generic, which does it no justice.",
        "One subplot is underdeveloped, but that is a minor complaint.",
    ],
    "close": [
        "Highly recommended.",
        "Go and see it on the biggest screen you can find.",
        "A must-see, and a new favourite of mine.",
        "I will be thinking about it for weeks. Ten out of ten.",
        "Beautiful, funny and unforgettable.",
        "This is filmmaking at its finest.",
        "I recommend it to anyone who loves great cinema.",
        "Nine out of ten, and I am being stingy.",
        "Do not miss it.",
        "An absolute pleasure from start to finish.",
    ],
}

NEGATIVE = {
    "open": [
        "{title} is one of the worst films I have seen this year.",
        "I had high hopes for {title}, and it let me down badly.",
        "What a tedious mess {title} turned out to be.",
        "{title} is a dull, lifeless {genre} that wastes every minute of its running time.",
        "{director} should be embarrassed by {title}.",
        "Easily the most frustrating {genre} I have sat through in a long while.",
        "I disliked {title} from the opening shot to the final frame.",
        "{title} is a chore, and I will never watch it again.",
        "Ignore the hype: {title} is awful.",
        "This {genre} is a complete failure.",
    ],
    "aspect": [
        "{actor} gives a flat, wooden performance.",
        "The script is clumsy and the dialogue is painfully stiff.",
        "The cinematography is murky and ugly; half the scenes are too dark to see.",
        "The pacing is sluggish, and the two hours feel like four.",
        "The soundtrack is loud, generic and instantly forgettable.",
        "The ending is rushed, confusing and completely unearned.",
        "{actor} and {actor2} have zero chemistry together.",
        "The characters are thin and unbelievable, and I did not care about any of them.",
        "The plot is full of holes and makes no sense at all.",
        "The supporting cast is wasted, especially {actor2} in a thankless role.",
        "The jokes fall flat every time and the drama is unintentionally funny.",
        "The action scenes are chaotic and impossible to follow.",
        "{director}'s direction is lazy and full of tired clichés.",
        "The world-building is shallow and borrowed from better films.",
        "It is never tense and never scary, just boring.",
        "The final act is a mess that had people walking out.",
        "The editing is choppy and the story lurches from scene to scene.",
        "The production design looks cheap and the effects are laughable.",
        "It handles its big themes with all the subtlety of a sledgehammer.",
        "Not a single performance rings true, from the lead to the extras.",
    ],
    "hedge": [
        "The opening minutes show promise, but it quickly falls apart.",
        "A couple of shots are pretty, yet that is not nearly enough.",
        "The trailer was better than the film itself.",
        "{actor2} tries hard to save it, but the material is hopeless.",
    ],
    "close": [
        "Avoid it.",
        "Save your money and stay home.",
        "A waste of time, and a new low for everyone involved.",
        "I want those two hours back. Two out of ten.",
        "Boring, clumsy and forgettable.",
        "This is filmmaking at its laziest.",
        "I cannot recommend it to anyone.",
        "Three out of ten, and I am being generous.",
        "Skip it.",
        "An absolute slog from start to finish.",
    ],
}

NEUTRAL = [
    "I saw it at a late screening with a friend.",
    "It runs a little over two hours.",
    "The film is based on a novel I have not read.",
    "It was shot on location over one summer.",
    "I watched it at home on a rainy Sunday.",
    "The cinema was about half full.",
    "It is the second feature from {director}.",
]


# Sentences for the test reviews only, so that no test sentence is seen in training and the
# demo's test accuracy measures how the model carries over to new wording.
POSITIVE_TEST = {
    "open": [
        "{title} won me over within the first ten minutes.",
        "Few films this year are as generous and alive as {title}.",
        "{director} delivers a warm, witty {genre} with {title}.",
        "I left the cinema smiling after {title}.",
        "{title} is the kind of {genre} that reminds you why you love movies.",
        "Everything about {title} works.",
        "My expectations were modest, and {title} beat them all.",
        "What a joyful, confident piece of work {title} is.",
    ],
    "aspect": [
        "{actor} is magnetic in every scene.",
        "The dialogue crackles with wit and warmth.",
        "Each shot is composed with real care and beauty.",
        "The story never drags, not even for a moment.",
        "The score swells at exactly the right moments.",
        "The twist in the last scene is clever and deeply satisfying.",
        "{actor} and {actor2} play off each other brilliantly.",
        "Even the minor characters feel like real people.",
        "The mystery unfolds with elegant precision.",
        "{actor2} steals several scenes with a wonderfully sly turn.",
        "I laughed out loud more times than I can count.",
        "The set pieces are inventive and exhilarating.",
        "{director} fills the frame with small, delightful details.",
        "It moved me more than any film I have seen in years.",
    ],
    "hedge": [
        "The opening is a touch slow, but the payoff is huge.",
        "Not every joke lands, yet the film's heart never falters.",
        "A few effects look dated, which hardly matters here.",
    ],
    "close": [
        "I cannot recommend it highly enough.",
        "Catch it while you can.",
        "A real treat for anyone who loves cinema.",
        "Eight out of ten, easily.",
        "Warm, clever and wonderfully made.",
        "One of the year's very best.",
        "I would happily see it again tomorrow.",
        "Pure joy from beginning to end.",
    ],
}

NEGATIVE_TEST = {
    "open": [
        "{title} lost me within the first ten minutes.",
        "Few films this year are as lifeless and dreary as {title}.",
        "{director} delivers a muddled, witless {genre} with {title}.",
        "I left the cinema annoyed after {title}.",
        "{title} is the kind of {genre} that makes you wonder why you bother with movies.",
        "Nothing about {title} works.",
        "My expectations were modest, and {title} still fell short of them.",
        "What a joyless, confused piece of work {title} is.",
    ],
    "aspect": [
        "{actor} seems bored in every scene.",
        "The dialogue is stilted and painfully on the nose.",
        "Each shot looks flat, cheap and carelessly framed.",
        "The story drags from one scene to the next.",
        "The score is intrusive and blares at all the wrong moments.",
        "The twist in the last scene is obvious and deeply unsatisfying.",
        "{actor} and {actor2} seem to be acting in different films.",
        "Even the lead characters feel like cardboard cut-outs.",
        "The mystery is solved long before the film admits it.",
        "{actor2} is wasted in a dull, one-note part.",
        "I did not laugh once, though the film clearly wanted me to.",
        "The set pieces are clumsy and exhausting.",
        "{director} fills the frame with noise and nothing else.",
        "It left me cold from the first scene to the last.",
    ],
    "hedge": [
        "The opening shows some spark, but it fizzles out fast.",
        "One or two jokes land, yet the film has no heart at all.",
        "The effects are decent, which is the best I can say for it.",
    ],
    "close": [
        "I cannot recommend it at all.",
        "Wait for something better.",
        "A real chore, even for the most patient viewer.",
        "Four out of ten, at best.",
        "Dull, muddled and badly made.",
        "One of the year's real disappointments.",
        "I would not sit through it again for anything.",
        "Pure tedium from beginning to end.",
    ],
}

NEUTRAL_TEST = [
    "I caught a matinee showing on a weekday.",
    "It is just under two hours long.",
    "The film adapts a stage play.",
    "It opened in a handful of cinemas last month.",
]


def review(pool: dict, neutral: list[str], rng: random.Random) -> str:
    actor, actor2 = rng.sample(ACTORS, 2)
    slots = {"title": rng.choice(TITLES), "genre": rng.choice(GENRES), "actor": actor,
             "actor2": actor2, "director": rng.choice(DIRECTORS)}
    sentences = [rng.choice(pool["open"])]
    sentences += rng.sample(pool["aspect"], rng.randint(2, 4))
    if rng.random() < 0.3:
        sentences.insert(rng.randint(1, len(sentences)), rng.choice(pool["hedge"]))
    if rng.random() < 0.3:
        sentences.insert(rng.randint(1, len(sentences)), rng.choice(neutral))
    sentences.append(rng.choice(pool["close"]))
    return " ".join(s.format(**slots) for s in sentences)


POOLS = {"train": ({"neg": NEGATIVE, "pos": POSITIVE}, NEUTRAL),
         "test": ({"neg": NEGATIVE_TEST, "pos": POSITIVE_TEST}, NEUTRAL_TEST)}


def main() -> None:
    for split, per_class in COUNTS.items():
        rng = random.Random(SEEDS[split])
        pools, neutral = POOLS[split]
        shutil.rmtree(DEMO / split, ignore_errors=True)
        for label, pool in pools.items():
            folder = DEMO / split / label
            folder.mkdir(parents=True)
            for i in range(per_class):
                text = review(pool, neutral, rng)
                (folder / f"{i:04d}.txt").write_text(text + "\n", encoding="utf-8")
    print(f"wrote {2 * sum(COUNTS.values())} reviews under {DEMO}")


if __name__ == "__main__":
    main()
