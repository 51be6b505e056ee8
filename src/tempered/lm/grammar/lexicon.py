"""The words of the grammar and the weights of its choices (data, no logic).

Nouns of five classes (people, animals, food, things, places) with their
plurals, names, adjectives in two slots, determiners with the number they
impose, verbs in eight frames with the subjects they allow, adverbs,
prepositions and conjunctions. Within each list, earlier words are more
frequent (:func:`zipf_weights`). The structural probabilities ``P`` and the
class weights are used by the rules in :mod:`tempered.lm.grammar.rules`.
"""

from __future__ import annotations

import numpy as np

EOS = "<|endoftext|>"  # the tokenizer's end token: ends every sentence, and starts it
PERIOD = "."

# (singular, plural). Order matters: earlier words are more frequent (Zipf weights).
NOUNS = {
    "person": [
        ("girl", "girls"),
        ("boy", "boys"),
        ("woman", "women"),
        ("man", "men"),
        ("child", "children"),
        ("teacher", "teachers"),
        ("farmer", "farmers"),
        ("doctor", "doctors"),
        ("friend", "friends"),
        ("baker", "bakers"),
        ("artist", "artists"),
        ("sailor", "sailors"),
        ("student", "students"),
        ("uncle", "uncles"),
        ("king", "kings"),
        ("queen", "queens"),
        ("neighbour", "neighbours"),
        ("aunt", "aunts"),
        ("engineer", "engineers"),
        ("officer", "officers"),
        ("actor", "actors"),
        ("author", "authors"),
    ],
    "animal": [
        ("dog", "dogs"),
        ("cat", "cats"),
        ("bird", "birds"),
        ("horse", "horses"),
        ("fox", "foxes"),
        ("mouse", "mice"),
        ("owl", "owls"),
        ("rabbit", "rabbits"),
        ("cow", "cows"),
        ("eagle", "eagles"),
        ("goat", "goats"),
        ("elephant", "elephants"),
        ("wolf", "wolves"),
        ("bear", "bears"),
        ("ant", "ants"),
        ("duck", "ducks"),
        ("frog", "frogs"),
        ("lion", "lions"),
    ],
    "food": [
        ("apple", "apples"),
        ("cake", "cakes"),
        ("egg", "eggs"),
        ("pear", "pears"),
        ("orange", "oranges"),
        ("loaf", "loaves"),
        ("pie", "pies"),
        ("carrot", "carrots"),
        ("onion", "onions"),
        ("plum", "plums"),
        ("biscuit", "biscuits"),
        ("sandwich", "sandwiches"),
    ],
    "thing": [
        ("book", "books"),
        ("letter", "letters"),
        ("ball", "balls"),
        ("box", "boxes"),
        ("key", "keys"),
        ("hat", "hats"),
        ("umbrella", "umbrellas"),
        ("map", "maps"),
        ("cup", "cups"),
        ("lamp", "lamps"),
        ("coin", "coins"),
        ("picture", "pictures"),
        ("kite", "kites"),
        ("envelope", "envelopes"),
        ("stone", "stones"),
        ("basket", "baskets"),
        ("ring", "rings"),
        ("bottle", "bottles"),
        ("bell", "bells"),
        ("drum", "drums"),
    ],
    "place": [
        ("garden", "gardens"),
        ("house", "houses"),
        ("river", "rivers"),
        ("park", "parks"),
        ("forest", "forests"),
        ("kitchen", "kitchens"),
        ("market", "markets"),
        ("office", "offices"),
        ("village", "villages"),
        ("bridge", "bridges"),
        ("island", "islands"),
        ("hill", "hills"),
        ("orchard", "orchards"),
        ("library", "libraries"),
        ("station", "stations"),
    ],
}
ANIMATE = ("person", "animal")
NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Hugo",
    "Iris",
    "Jack",
]

SIZE_ADJECTIVES = ["big", "small", "old", "little", "tiny", "huge", "large"]
QUALITY_ADJECTIVES = {  # each group fits the noun classes in its key
    ANIMATE: [
        "happy",
        "clever",
        "hungry",
        "tired",
        "brave",
        "angry",
        "kind",
        "lazy",
        "sleepy",
        "friendly",
        "curious",
        "quiet",
        "eager",
        "proud",
        "gentle",
    ],
    ("food",): ["fresh", "sweet", "ripe", "warm", "delicious", "sour"],
    ("thing",): [
        "red",
        "heavy",
        "blue",
        "green",
        "empty",
        "broken",
        "shiny",
        "wooden",
        "yellow",
        "ancient",
    ],
    ("place",): ["dark", "sunny", "busy", "peaceful", "distant", "crowded", "open"],
}

# determiner -> number it imposes ("sg", "pl" or "any"); "a" stands for a/an, chosen by
# the next word.
DETERMINERS = [
    ("the", "any", 30),
    ("a", "sg", 15),
    ("my", "any", 3),
    ("this", "sg", 3),
    ("some", "pl", 3),
    ("his", "any", 2),
    ("her", "any", 2),
    ("our", "any", 2),
    ("their", "any", 2),
    ("your", "any", 2),
    ("these", "pl", 2),
    ("those", "pl", 2),
    ("many", "pl", 2),
    ("two", "pl", 2),
    ("every", "sg", 2),
    ("three", "pl", 1),
]

# (plural present = base, singular present, past, subjects allowed: "A" any animate, "P"
# people only)
VERBS = {
    "intransitive": [
        ("sleep", "sleeps", "slept", "A"),
        ("run", "runs", "ran", "A"),
        ("wait", "waits", "waited", "A"),
        ("laugh", "laughs", "laughed", "P"),
        ("play", "plays", "played", "A"),
        ("sing", "sings", "sang", "A"),
        ("jump", "jumps", "jumped", "A"),
        ("smile", "smiles", "smiled", "P"),
        ("rest", "rests", "rested", "A"),
        ("dance", "dances", "danced", "P"),
        ("swim", "swims", "swam", "A"),
        ("work", "works", "worked", "P"),
        ("hide", "hides", "hid", "A"),
        ("wander", "wanders", "wandered", "A"),
        ("cry", "cries", "cried", "P"),
        ("arrive", "arrives", "arrived", "A"),
    ],
    "animate": [
        ("chase", "chases", "chased", "A"),
        ("follow", "follows", "followed", "A"),
        ("meet", "meets", "met", "P"),
        ("help", "helps", "helped", "P"),
        ("watch", "watches", "watched", "A"),
        ("call", "calls", "called", "P"),
        ("visit", "visits", "visited", "P"),
        ("greet", "greets", "greeted", "P"),
        ("feed", "feeds", "fed", "P"),
    ],
    "any": [
        ("see", "sees", "saw", "A"),
        ("find", "finds", "found", "A"),
        ("like", "likes", "liked", "A"),
        ("want", "wants", "wanted", "A"),
    ],
    "food": [
        ("eat", "eats", "ate", "A"),
        ("cook", "cooks", "cooked", "P"),
        ("taste", "tastes", "tasted", "A"),
    ],
    "object": [
        ("carry", "carries", "carried", "A"),
        ("hold", "holds", "held", "P"),
        ("buy", "buys", "bought", "P"),
        ("drop", "drops", "dropped", "A"),
        ("bring", "brings", "brought", "P"),
        ("sell", "sells", "sold", "P"),
        ("keep", "keeps", "kept", "P"),
        ("lose", "loses", "lost", "P"),
    ],
    "thing": [
        ("open", "opens", "opened", "P"),
        ("paint", "paints", "painted", "P"),
        ("fix", "fixes", "fixed", "P"),
    ],
    "ditransitive": [
        ("give", "gives", "gave", "P"),
        ("show", "shows", "showed", "P"),
        ("send", "sends", "sent", "P"),
        ("offer", "offers", "offered", "P"),
    ],
    "clausal": [
        ("think", "thinks", "thought", "P"),
        ("say", "says", "said", "P"),
        ("know", "knows", "knew", "P"),
        ("hope", "hopes", "hoped", "P"),
        ("believe", "believes", "believed", "P"),
        ("dream", "dreams", "dreamed", "P"),
    ],
}
# frame -> (weight, classes of the object NP or None)
FRAMES = {
    "intransitive": (0.32, None),
    "animate": (0.18, ANIMATE),
    "any": (0.12, ("person", "animal", "food", "thing")),
    "food": (0.06, ("food",)),
    "object": (0.12, ("food", "thing")),
    "thing": (0.05, ("thing",)),
    "ditransitive": (0.06, None),
    "clausal": (0.09, None),
}
ADVERBS = [
    "quickly",
    "slowly",
    "quietly",
    "happily",
    "again",
    "often",
    "loudly",
    "carefully",
    "today",
    "early",
    "late",
    "together",
]
LOCATIVE_PREPOSITIONS = ["in", "near", "behind", "under", "beside", "across"]
CONJUNCTIONS = ["and", "but", "so", "while", "because"]

CLASS_WEIGHTS = {"person": 0.5, "animal": 0.5, "food": 0.4, "thing": 0.6, "place": 1.0}
P = dict(  # structural probabilities
    name_subject=0.12,
    name_object=0.10,
    size_adj=0.15,
    quality_adj=0.20,
    second_adj=0.25,
    plural_any=0.3,
    subject_relative=0.12,
    subject_with=0.05,
    subject_from=0.04,
    object_relative=0.15,
    past=0.4,
    adverb=0.12,
    stop=0.74,
    locative=0.12,
    with_pp=0.04,
    conjunction=0.10,
)


def zipf_weights(words, s=1.0, offset=2.0) -> dict:
    """Weights proportional to 1 / (rank + offset)^s, normalised."""
    w = np.array([1.0 / (i + offset) ** s for i in range(len(words))])
    return dict(zip(words, w / w.sum()))


def starts_with_vowel(word: str) -> bool:
    """Whether ``word`` takes "an" rather than "a"."""
    return (
        word[0] in "aeiou"
    )  # every vowel-initial word here takes "an" (no "unicorn", no "hour")


def lexicon_order() -> list[str]:
    """Every word in a readable order: function words, names, nouns, ..., adverbs."""
    words = ["the", "a", "an"] + [d for d, _, _ in DETERMINERS if d not in ("the", "a")]
    words += ["that", "with", "from"] + LOCATIVE_PREPOSITIONS + CONJUNCTIONS + NAMES
    for forms in NOUNS.values():
        words += [s for s, _ in forms] + [pl for _, pl in forms]
    words += SIZE_ADJECTIVES + [
        a for group in QUALITY_ADJECTIVES.values() for a in group
    ]
    for verbs in VERBS.values():
        for base, sg, past, _ in verbs:
            words += [sg, base, past]
    words += ADVERBS + [PERIOD, EOS]
    seen = set()
    return [w for w in words if not (w in seen or seen.add(w))]
