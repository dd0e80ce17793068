"""Writes the small real-shaped CSV files the tabular tests and docs/data.md use (run it to remake them).

penguins.csv is shaped like the Palmer penguins data (Horst, Hill & Gorman 2020): the same columns,
344 rows, species and island as text, NA cells where the real file has them; the measurements are
drawn from the real per-species (and per-sex) means and spreads. seattle-weather.csv is shaped like
the Seattle weather data (2012–2015): one row per day, a date column, weather as text, seasonal
temperatures drawn around the real monthly means. Neither is the real data: do not cite numbers from it.
"""

import datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
# species: (count, {island: count}, bill length, bill depth, flipper, body mass) as (mean, sd) of females;
# males are larger by MALE (in sds).
SPECIES = {
    "Adelie": (152, {"Torgersen": 52, "Biscoe": 44, "Dream": 56}, (37.3, 2.0), (17.6, 0.9), (188, 5.6), (3369, 270)),
    "Gentoo": (124, {"Biscoe": 124}, (45.6, 2.1), (14.2, 0.5), (213, 3.9), (4680, 280)),
    "Chinstrap": (68, {"Dream": 68}, (46.6, 3.1), (17.6, 0.8), (192, 5.8), (3527, 285)),
}
MALE = 1.4


def penguins(rng):
    rows = []
    for species, (n, islands, *measures) in SPECIES.items():
        island = [name for name, count in islands.items() for _ in range(count)]
        for i in range(n):
            sex = "male" if rng.random() < 0.5 else "female"
            shift = MALE if sex == "male" else 0.0
            values = [mean + sd * (rng.normal() + shift) for mean, sd in measures]
            rows.append([species, island[i], f"{values[0]:.1f}", f"{values[1]:.1f}", f"{values[2]:.0f}",
                         f"{round(values[3] / 25) * 25:.0f}", sex, str(2007 + i % 3)])
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    for i in rng.choice(len(rows), 2, replace=False):    # two birds were never measured
        rows[i][2:7] = ["NA"] * 5
    for i in rng.choice(len(rows), 9, replace=False):    # nine were not sexed
        rows[i][6] = "NA"
    header = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year"
    return header, rows


MONTHLY_MAX = (8.0, 10.5, 12.5, 15.5, 19.5, 22.5, 26.5, 26.5, 22.5, 16.5, 11.0, 8.0)
MONTHLY_RAIN = (0.7, 0.6, 0.62, 0.5, 0.4, 0.3, 0.15, 0.17, 0.3, 0.55, 0.7, 0.7)   # chance of a rainy day


def _weather(rng, month, t_max):
    wet = rng.random() < MONTHLY_RAIN[month]
    if wet and t_max < 5 and rng.random() < 0.6:
        return "snow", rng.exponential(6) + 0.5
    if wet:
        return ("drizzle", rng.uniform(0, 1.0)) if rng.random() < 0.1 else ("rain", rng.exponential(7) + 0.3)
    return ("fog", 0.0) if rng.random() < 0.15 else ("sun", 0.0)


def seattle_weather(rng):
    rows, day = [], datetime.date(2012, 1, 1)
    while day.year < 2016:
        month = day.month - 1
        t_max = MONTHLY_MAX[month] + rng.normal(0, 3.2)
        weather, rain = _weather(rng, month, t_max)
        t_max -= 2.5 if weather in ("rain", "snow") else 0.0
        t_min = t_max - (8.5 if weather == "sun" else 5.5) + rng.normal(0, 2.0)
        wind = max(0.4, rng.normal(4.3 if weather in ("rain", "snow") else 2.6, 1.2))
        rows.append([day.isoformat(), f"{rain:.1f}", f"{t_max:.1f}", f"{t_min:.1f}", f"{wind:.1f}", weather])
        day += datetime.timedelta(days=1)
    return "date,precipitation,temp_max,temp_min,wind,weather", rows


def write(name, header, rows):
    (HERE / name).write_text(header + "\n" + "\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write("penguins.csv", *penguins(np.random.default_rng(2020)))
    write("seattle-weather.csv", *seattle_weather(np.random.default_rng(2016)))
    print("wrote penguins.csv and seattle-weather.csv")
