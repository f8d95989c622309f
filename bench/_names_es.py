"""Seeded synthetic Spanish and Latin-American identities, with labelled duplicates.

Names are drawn from Zipf-like frequency tables (a few very common given names and surnames,
a long tail of rare ones), people come in families (siblings share both surnames and are born
a few years apart; some are twins), and copies of a person carry independent errors of the
kinds seen in real registration data: dropped accents, upper case, a dropped second surname,
merged or swapped surnames, swapped or dropped given names, keyboard typos, Spanish phonetic
variants, date of birth with day and month swapped, a digit typo, the year one off, a 1 January
placeholder or nothing, and sex, nationality or document missing or different.

    registry_frame(n, seed)          -> polars frame with MATCH_COLUMNS (+ person_id)
    labelled_set(n_people, seed)     -> (registry part, incoming part), both with person_id
"""

from __future__ import annotations

import random
import unicodedata

import numpy as np
import polars as pl

MATCH_COLUMNS = [
    "unique_id",
    "given_names",
    "first_surname",
    "second_surname",
    "full_name",
    "sex",
    "date_of_birth",
    "nationality",
    "document_number",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Most common first; frequencies fall off as 1/rank (Zipf), like real name distributions.
MALE = _words(
    "José Juan Luis Carlos Jorge Miguel Antonio Manuel Francisco Pedro Jesús Javier Ángel "
    "Alejandro Rafael Fernando Roberto Ricardo Eduardo Daniel Mario Sergio Andrés Diego Pablo "
    "Óscar Raúl Víctor Alberto Enrique Héctor Gabriel Julio Rubén Arturo Guillermo Hugo Ramón "
    "Gerardo Ignacio Joaquín Emilio Alfredo Gustavo César Marco Rodrigo Martín Felipe Adrián "
    "Tomás Esteban Gonzalo Cristian Kevin Bryan Jonathan Edwin Wilson Henry Nelson Walter Élmer "
    "Santiago Sebastián Mateo Nicolás Samuel Matías Emmanuel Isaac Abraham Moisés Saúl Rigoberto "
    "Efraín Baltazar Cecilio Gilberto Leonel Ulises Valentín Wilfredo Xavier Ezequiel Hernán "
    "Benjamín Bernardo Agustín Lorenzo Anselmo Aurelio Domingo Eusebio Fabián Gregorio Humberto "
    "Inocencio Jacinto Leandro Marcelino Octavio Patricio Quintín Reinaldo Sixto Teodoro Vicente"
)
FEMALE = _words(
    "María Ana Rosa Carmen Guadalupe Laura Patricia Gabriela Elena Isabel Lucía Sofía Valentina "
    "Daniela Fernanda Alejandra Andrea Paola Verónica Claudia Mónica Silvia Sandra Adriana "
    "Beatriz Teresa Josefina Margarita Yolanda Leticia Cecilia Gloria Marta Julia Luisa Elisa "
    "Victoria Esperanza Dolores Mercedes Pilar Raquel Irene Natalia Carolina Camila Ximena "
    "Jimena Valeria Mariana Jessica Karla Yesenia Wendy Jennifer Evelyn Brenda Heidi Zoila "
    "Xiomara Yadira Griselda Herminia Hortensia Inés Jazmín Lourdes Maribel Nidia Olga Rocío "
    "Soledad Violeta Zulema Abigail Berta Consuelo Dulce Estela Flor Graciela Itzel Karina "
    "Lorena Marisol Noemí Norma Paula Ruth Susana Tatiana Úrsula Vanessa Wendolyn Yamileth "
    "Aracely Belén Celia Dora Elvira Fabiola Gisela Ivonne Josefa Lidia Milagros Nayeli Reina"
)
# Two-token given names that are really one name; written together most of the time.
COMPOUND_MALE = (
    "José Luis",
    "Juan Carlos",
    "José Antonio",
    "Juan Pablo",
    "Luis Alberto",
    "José Manuel",
    "Miguel Ángel",
    "Juan José",
    "José María",
    "Jesús Alberto",
)
COMPOUND_FEMALE = (
    "María José",
    "María Fernanda",
    "Ana María",
    "María Guadalupe",
    "María del Carmen",
    "María Elena",
    "Rosa María",
    "María Isabel",
    "Luz María",
    "María de los Ángeles",
    "Ana Lucía",
    "María Teresa",
)
SURNAMES = _words(
    "García Rodríguez González Hernández López Martínez Pérez Sánchez Ramírez Flores Gómez "
    "Díaz Torres Cruz Morales Reyes Gutiérrez Ortiz Ramos Jiménez Ruiz Álvarez Mendoza Vásquez "
    "Castillo Romero Herrera Medina Aguilar Vargas Moreno Castro Guzmán Juárez Rojas Fernández "
    "Chávez Muñoz Domínguez Salazar Rivera Soto Contreras Silva Méndez Estrada Núñez Delgado "
    "Cabrera Ríos Alvarado Sandoval Figueroa Campos Acosta Lara Vega Molina Navarro Espinoza "
    "Marín Ponce Ibarra Cortés Orellana Zamora Villalobos Benítez Cárdenas Galindo Pineda "
    "Valencia Quispe Mamani Huamán Cáceres Escobar Montoya Bermúdez Sosa Zelaya Velásquez "
    "Argueta Portillo Hidalgo Bautista Carrillo Osorio Aguirre Mejía Paz Calderón Rosales "
    "Villanueva Serrano Miranda Quintero Ochoa Valdez Rangel Arias Cuéllar Barrios Bravo "
    "Cisneros Duarte Esquivel Fuentes Gallardo Guerrero Lozano Maldonado Nava Olivares "
    "Padilla Quiroga Robles Solís Trujillo Urbina Valle Yáñez Zúñiga Anaya Becerra Cervantes "
    "Dávila Echeverría Fajardo Gallegos Henríquez Irigoyen Jaramillo Lemus Llanos Macías "
    "Noriega Obando Pacheco Quiñónez Rivas Saavedra Tejada Ulloa Vallejo Villegas Xicará "
    "Yupanqui Zavala Arévalo Bonilla Cordero Chinchilla Erazo Girón Hurtado Izaguirre Jovel "
    "Lagos Mancía Nolasco Oliva Peña Quijada Rosa Sorto Tobar Umaña Ventura Guevara Guillén "
    "Hernando Herrero Jerez Gil Giménez Jiménez Ximénez Bejarano Vivas Zepeda Cevallos "
    "Sevilla Zelada Yépez Llerena Ibáñez"
)
PARTICLE_SURNAMES = (
    "de la Cruz",
    "del Valle",
    "de León",
    "de la Torre",
    "del Río",
    "de los Santos",
    "de Jesús",
    "de la Rosa",
    "San Martín",
    "Ponce de León",
)
NATIONALITIES = ("SV", "HN", "GT", "MX", "VE", "CO", "NI", "EC", "CU", "PE", "BO", "DO")
NAT_WEIGHTS = np.array([18, 20, 20, 10, 9, 7, 5, 4, 3, 2, 1, 1], dtype=float)

_SYLL_A = (
    "Bar",
    "Cal",
    "Mon",
    "Sal",
    "Ver",
    "Tor",
    "Al",
    "Be",
    "Ca",
    "Do",
    "Es",
    "Gar",
    "Man",
    "Pal",
    "Ro",
    "Ta",
    "Vi",
    "Zu",
    "Ar",
    "Ol",
    "Qui",
    "Cha",
    "Llo",
    "Hue",
)
_SYLL_B = (
    "ri",
    "la",
    "ne",
    "do",
    "ta",
    "ce",
    "zo",
    "ga",
    "ve",
    "bo",
    "lle",
    "ji",
    "gue",
    "xi",
    "ho",
    "que",
    "sa",
    "mi",
    "ro",
    "ña",
)
_SYLL_C = (
    "nez",
    "les",
    "ra",
    "do",
    "da",
    "ro",
    "no",
    "ga",
    "zar",
    "lla",
    "jo",
    "cio",
    "bar",
    "res",
    "tes",
    "vez",
    "ño",
    "ín",
    "ón",
    "go",
)


def _zipf(n: int, s: float = 1.0) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _tail_surnames(rng: np.random.Generator, k: int) -> list[str]:
    out: set[str] = set()
    while len(out) < k:
        out.add(rng.choice(_SYLL_A) + rng.choice(_SYLL_B) + rng.choice(_SYLL_C))
    return sorted(out)


class NameTables:
    """Name lists with their draw probabilities: real names Zipf-weighted, then a rare tail."""

    def __init__(self, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        tail = _tail_surnames(rng, 4000)
        real = list(SURNAMES) + list(PARTICLE_SURNAMES)
        self.surnames = np.array(real + tail, dtype=object)
        head = _zipf(len(real), 0.6) * 0.75  # 75% carry a common surname; García about 4%
        rest = np.full(len(tail), 0.25 / len(tail))
        self.surname_p = np.concatenate([head, rest])
        self.male = np.array(MALE, dtype=object)
        self.female = np.array(FEMALE, dtype=object)
        self.male_p = _zipf(len(MALE), 0.9)
        self.female_p = _zipf(len(FEMALE), 0.9)


def _given(rng: np.random.Generator, t: NameTables, sex: np.ndarray) -> np.ndarray:
    n = len(sex)
    first = np.where(
        sex == "M",
        rng.choice(t.male, n, p=t.male_p),
        rng.choice(t.female, n, p=t.female_p),
    )
    second = np.where(
        sex == "M",
        rng.choice(t.male, n, p=t.male_p),
        rng.choice(t.female, n, p=t.female_p),
    )
    kind = rng.random(n)
    out = np.empty(n, dtype=object)
    two = (kind < 0.45) & (first != second)
    out[:] = first
    out[two] = first[two] + " " + second[two]
    compound = kind > 0.88
    cm = compound & (sex == "M")
    cf = compound & (sex == "F")
    out[cm] = rng.choice(np.array(COMPOUND_MALE, dtype=object), cm.sum())
    out[cf] = rng.choice(np.array(COMPOUND_FEMALE, dtype=object), cf.sum())
    return out


def people(n: int, seed: int, *, id_prefix: str = "p") -> pl.DataFrame:
    """n distinct people in families, clean records as a registration officer would write them."""
    rng = np.random.default_rng(seed)
    t = NameTables()
    sizes = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.35, 0.25, 0.2, 0.13, 0.07])
    fam = np.repeat(np.arange(len(sizes)), sizes)[:n]
    n_fam = fam.max() + 1
    start = np.searchsorted(fam, fam)  # index of each family's first member
    pos = np.arange(n) - start
    fam_s1 = rng.choice(t.surnames, n_fam, p=t.surname_p)
    fam_s2 = rng.choice(t.surnames, n_fam, p=t.surname_p)
    fam_nat = rng.choice(
        np.array(NATIONALITIES, dtype=object), n_fam, p=NAT_WEIGHTS / NAT_WEIGHTS.sum()
    )
    fam_year = rng.integers(1955, 2018, n_fam)
    fam_twins = rng.random(n_fam) < 0.06
    sex = np.where(rng.random(n) < 0.5, "M", "F").astype(object)
    given = _given(rng, t, sex)
    # Siblings: a few years apart; twins (the first two of a twin family): the same day.
    steps = np.cumsum(rng.integers(1, 4, n))
    gap = steps - steps[start]
    year = np.minimum(fam_year[fam] + gap, 2024)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    twin = fam_twins[fam] & (pos == 1)
    idx = np.flatnonzero(twin)
    year[idx], month[idx], day[idx] = year[idx - 1], month[idx - 1], day[idx - 1]
    # Twins and siblings never share every given name: redraw the clashes.
    for i in np.flatnonzero(pos > 0):
        for j in range(i - pos[i], i):
            while given[i] == given[j]:
                given[i] = _given(rng, t, sex[i : i + 1])[0]
    dob = [f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in zip(year, month, day, strict=True)]
    placeholder = rng.random(n) < 0.04
    dob = np.array(dob, dtype=object)
    dob[placeholder] = np.array([f"{y:04d}-01-01" for y in year[placeholder]], dtype=object)
    has_doc = rng.random(n) < 0.7
    docs = np.array(
        [
            f"{chr(65 + a)}{b:08d}"
            for a, b in zip(rng.integers(0, 26, n), rng.integers(0, 10**8, n), strict=True)
        ],
        dtype=object,
    )
    docs[~has_doc] = None
    s1 = fam_s1[fam]
    s2 = fam_s2[fam]
    frame = pl.DataFrame(
        {
            "person_id": [f"{id_prefix}{i}" for i in range(n)],
            "family_id": [f"{id_prefix}f{f}" for f in fam],
            "given_names": given.tolist(),
            "first_surname": s1.tolist(),
            "second_surname": s2.tolist(),
            "sex": sex.tolist(),
            "date_of_birth": dob.tolist(),
            "nationality": fam_nat[fam].tolist(),
            "document_number": docs.tolist(),
        },
        schema_overrides={"document_number": pl.String},
    )
    return frame.with_columns(
        unique_id=pl.col("person_id"),
        full_name=pl.concat_str(
            ["given_names", "first_surname", "second_surname"], separator=" ", ignore_nulls=True
        ),
    )


# ----- errors ------------------------------------------------------------------------------

_KEYBOARD = "qwertyuiop asdfghjklñ zxcvbnm"
_ROWS = _KEYBOARD.split(" ")


def _neighbour(ch: str, rng: random.Random) -> str:
    low = ch.lower()
    for row in _ROWS:
        k = row.find(low)
        if k >= 0:
            opts = [row[j] for j in (k - 1, k + 1) if 0 <= j < len(row)]
            out = rng.choice(opts)
            return out.upper() if ch.isupper() else out
    return ch


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def typo(s: str, rng: random.Random) -> str:
    """One keyboard slip: a neighbouring key, a dropped letter, a doubled one or a transposition."""
    letters = [i for i, c in enumerate(s) if c.isalpha()]
    if len(letters) < 3:
        return s
    i = rng.choice(letters[1:])
    kind = rng.random()
    if kind < 0.4:
        return s[:i] + _neighbour(s[i], rng) + s[i + 1 :]
    if kind < 0.65:
        return s[:i] + s[i + 1 :]
    if kind < 0.8:
        return s[:i] + s[i] + s[i:]
    if i + 1 < len(s) and s[i + 1].isalpha():
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + s[i + 1 :]


_PHONETIC = [
    ("v", "b"),
    ("b", "v"),
    ("z", "s"),
    ("s", "z"),
    ("ce", "se"),
    ("ci", "si"),
    ("ll", "y"),
    ("y", "ll"),
    ("ge", "je"),
    ("gi", "ji"),
    ("je", "ge"),
    ("ji", "gi"),
    ("x", "j"),
    ("j", "x"),
    ("qu", "k"),
    ("ch", "sh"),
    ("rr", "r"),
]


def phonetic_variant(s: str, rng: random.Random) -> str:
    """A spelling that sounds the same in Spanish: b/v, s/z/c, ll/y, h, j/g/x, qu/k."""
    low = s.lower()
    options = [(a, b) for a, b in _PHONETIC if a in low]
    if low.startswith("h"):
        options.append(("h", ""))
    elif low[:1] in "aeiou":
        options.append(("", "h"))
    if not options:
        return s
    a, b = rng.choice(options)
    if a == "":
        return ("H" if s[:1].isupper() else "h") + s[:1].lower() + s[1:]
    k = low.find(a) if a != "h" else 0
    rep = b.capitalize() if k == 0 and s[:1].isupper() else b
    return s[:k] + rep + s[k + len(a) :]


def corrupt(rec: dict, rng: random.Random, donor: dict | None = None) -> dict:
    """A copy of the record with independent errors (several may apply)."""
    r = dict(rec)
    given = r["given_names"].split(" ") if r["given_names"] else []
    s1, s2 = r["first_surname"], r["second_surname"]
    u = rng.random
    if len(given) >= 2 and u() < 0.15:
        given = given[:1]  # second given name dropped
    elif len(given) >= 2 and u() < 0.06:
        given = given[::-1]
    if s2 and u() < 0.15:
        s2 = None  # second surname dropped
    elif s2 and u() < 0.05:
        s1, s2 = s2, s1
    elif s2 and u() < 0.05:
        s1, s2 = s1 + rng.choice(["", "-", ""]) + s2, None  # merged
    # Errors in the spelling of one name part.
    parts = [*given, s1, *([s2] if s2 else [])]
    if u() < 0.25:
        k = rng.randrange(len(parts))
        parts[k] = phonetic_variant(parts[k], rng)
    if u() < 0.15:
        k = rng.randrange(len(parts))
        parts[k] = typo(parts[k], rng)
    if len(parts) >= 2 and u() < 0.06:  # a copy with two errors: one slip in each of two parts
        for k in rng.sample(range(len(parts)), 2):
            parts[k] = typo(parts[k], rng)
    for k, part in enumerate(parts):  # a particle's space lost: "de la Torre" -> "de laTorre"
        if " " in part and u() < 0.3:
            cut = part.rfind(" ")
            parts[k] = part[:cut] + part[cut + 1 :]
    given, s1 = parts[: len(given)], parts[len(given)]
    s2 = parts[len(given) + 1] if s2 else None
    g = " ".join(given)
    if len(given) >= 2 and s2 and u() < 0.04:
        # A compound given name written in the surname fields and the surnames in the given
        # name field ("García Pérez" / "María" / "José").
        g, s1, s2 = f"{s1} {s2}", given[0], " ".join(given[1:])
    elif u() < 0.02:
        g, s1, s2 = " ".join(x for x in (s1, s2) if x), g, None  # given names and surnames swapped
    if u() < 0.45:
        g, s1 = strip_accents(g), strip_accents(s1)
        s2 = strip_accents(s2) if s2 else None
    if u() < 0.3:
        g, s1, s2 = g.upper(), s1.upper(), s2.upper() if s2 else None
    full = " ".join(x for x in (g, s1, s2) if x)
    if u() < 0.1:
        r.update(given_names=None, first_surname=None, second_surname=None, full_name=full)
    else:
        r.update(given_names=g, first_surname=s1, second_surname=s2, full_name=full)
    dob = r["date_of_birth"]
    if dob:
        y, m, d = int(dob[:4]), int(dob[5:7]), int(dob[8:10])
        x = u()
        if x < 0.06 and d <= 12 and d != m:
            m, d = d, m
        elif x < 0.12:
            digits = list(f"{y:04d}{m:02d}{d:02d}")
            k = rng.choice([2, 3, 6, 7])
            digits[k] = str((int(digits[k]) + rng.choice([1, 9])) % 10)
            y, m, d = int("".join(digits[:4])), int("".join(digits[4:6])), int("".join(digits[6:]))
        elif x < 0.17:
            y += rng.choice([-1, 1])
        elif x < 0.22:
            m, d = 1, 1
        if x < 0.27 and x >= 0.22:
            r["date_of_birth"] = None
        elif 1 <= m <= 12 and 1 <= d <= 28:
            r["date_of_birth"] = f"{y:04d}-{m:02d}-{d:02d}"
    if u() < 0.05:
        r["sex"] = None
    elif u() < 0.01:
        r["sex"] = "F" if r["sex"] == "M" else "M"
    if u() < 0.1:
        r["nationality"] = None
    elif u() < 0.03:
        r["nationality"] = rng.choice(NATIONALITIES)
    if r["document_number"]:
        x = u()
        if x < 0.3:
            r["document_number"] = None
        elif x < 0.4:
            r["document_number"] = f"{chr(65 + rng.randrange(26))}{rng.randrange(10**8):08d}"
        elif x < 0.45:
            r["document_number"] = typo(r["document_number"] + "x", rng)[:-1]
    elif u() < 0.2:
        r["document_number"] = f"{chr(65 + rng.randrange(26))}{rng.randrange(10**8):08d}"
    return r


def with_registry_duplicates(frame: pl.DataFrame, share: float, seed: int) -> pl.DataFrame:
    """Add second records for a share of people, as a registry that links, never merges, has."""
    rng = random.Random(seed)
    rows = frame.to_dicts()
    extra = []
    for rec in rng.sample(rows, int(len(rows) * share)):
        copy = corrupt(rec, rng)
        copy["unique_id"] = rec["unique_id"] + "-d"
        extra.append(copy)
    return pl.concat([frame, pl.DataFrame(extra, schema=frame.schema)])


def registry_frame(n: int, seed: int = 1, *, duplicates: float = 0.03) -> pl.DataFrame:
    """A registry of about n records: n*(1-duplicates) people plus linked duplicate records."""
    base = people(int(n / (1 + duplicates)), seed, id_prefix="r")
    return with_registry_duplicates(base, duplicates, seed + 1).head(n)


def labelled_set(
    n_people: int, seed: int = 2, *, copy_share: float = 0.3, namesake_share: float = 0.05
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """People split between the registry and an incoming batch, with labelled duplicates.

    Half the people have their first record in the registry, half in the batch; about
    copy_share of them are recorded 1–3 more times in the batch, each copy with independent
    errors. Hard negatives come with them: siblings and twins (families are split at random
    between registry and batch) and namesakes (same names, another birth date and document).
    Returns (registry part, incoming batch); person_id is the truth.
    """
    rng = random.Random(seed)
    base = people(n_people, seed, id_prefix="s")
    rows = base.to_dicts()
    registry_rows, incoming = [], []
    for rec in rows:
        if rng.random() < 0.5:
            # One registry record in 25 has no date of birth (its copies keep theirs).
            no_date = rng.random() < 0.04
            registry_rows.append({**rec, "date_of_birth": None} if no_date else rec)
        else:
            incoming.append(rec)
        if rng.random() < copy_share:
            for k in range(rng.choice([1, 1, 2, 3])):
                copy = corrupt(rec, rng)
                copy["unique_id"] = f"{rec['unique_id']}-c{k}"
                incoming.append(copy)
    for i, rec in enumerate(rng.sample(rows, int(len(rows) * namesake_share))):
        other = dict(rec)
        y = int(rec["date_of_birth"][:4]) + rng.choice([-9, -5, -3, 3, 5, 9])
        other.update(
            person_id=f"ns{i}",
            unique_id=f"ns{i}",
            date_of_birth=f"{y:04d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            document_number=f"N{rng.randrange(10**8):08d}" if rng.random() < 0.7 else None,
        )
        incoming.append(other)
    rng.shuffle(incoming)
    schema = base.schema
    return pl.DataFrame(registry_rows, schema=schema), pl.DataFrame(incoming, schema=schema)


def true_pairs(incoming: pl.DataFrame, registry: pl.DataFrame) -> set[tuple[str, str]]:
    """Every (incoming, registry) and unordered (incoming, incoming) pair of one person."""
    pairs: set[tuple[str, str]] = set()
    inc = incoming.select("unique_id", "person_id")
    reg = registry.select("unique_id", "person_id")
    for a, b in inc.join(reg, on="person_id").select("unique_id", "unique_id_right").iter_rows():
        pairs.add((a, b))
    for a, b in inc.join(inc, on="person_id").select("unique_id", "unique_id_right").iter_rows():
        if a < b:
            pairs.add((a, b))
    return pairs
