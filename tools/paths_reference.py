#!/usr/bin/env python3
"""Known-answer fixtures for pathcast's path kernels (tests/unit/test_paths.c),
computed by an implementation independent of the C code:

  tests/unit/data/normals_reference.txt
      Philox4x32-10 streams (Salmon et al. 2011) and the 256-layer ziggurat
      written out in plain Python integers and floats, following the stream
      definition of src/core/rng.c: a normal takes a 64-bit draw (two words, the
      first high): layer = bits 0-7, sign = bit 8, u = bits 12-63; fast when
      u < k[layer]; else the wedge (a uniform from the next two words) or,
      in layer 0, Marsaglia's tail (pairs of uniforms), then fresh draws.
      The paths are chosen so that the file holds tail draws, wedge accepts
      and wedge rejections, not only fast ones.
  tests/unit/data/exp_reference.txt
      exp(x) correctly rounded to double, from Python's decimal module at 50
      digits (exact rounding through fractions), for x over the whole range.

Lines are hexadecimal (float.hex), so the C test reads them exactly.
Run: /usr/bin/python3 tools/paths_reference.py   (rewrites both files)
"""
import decimal
import math
import random
from fractions import Fraction
from pathlib import Path

MASK32 = 0xFFFFFFFF
OUT = Path(__file__).resolve().parent.parent / "tests" / "unit" / "data"


def philox(ctr, key):
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for _ in range(10):
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & MASK32, p1 & MASK32, \
            ((p0 >> 32) ^ c3 ^ k1) & MASK32, p0 & MASK32
        k0 = (k0 + 0x9E3779B9) & MASK32
        k1 = (k1 + 0xBB67AE85) & MASK32
    return [c0, c1, c2, c3]


class Stream:
    """Words of Philox(key, {block, path, purpose, 0}), block = 0, 1, ..."""

    def __init__(self, key, path, purpose):
        self.key, self.path, self.purpose = key, path, purpose
        self.block, self.words = 0, []

    def u32(self):
        if not self.words:
            self.words = philox([self.block, self.path, self.purpose, 0], self.key)
            self.block += 1
        return self.words.pop(0)

    def u64(self):
        hi = self.u32()
        return (hi << 32) | self.u32()

    def uniform(self):
        a, b = self.u32(), self.u32()
        x = ((a >> 5) << 26) | (b >> 6)
        return 2.0 ** -54 if x == 0 else x * 2.0 ** -53


def ziggurat_tables():
    """The tables of tools/ziggurat_tables.py (the definition), recomputed."""
    n, r, v = 256, 3.6541528853610088, 0.00492867323399
    f = lambda x: math.exp(-0.5 * x * x)
    x = [0.0] * (n + 1)
    x[0], x[1] = v / f(r), r
    for i in range(1, n - 1):
        x[i + 1] = math.sqrt(-2.0 * math.log(v / x[i] + f(x[i])))
    k = [int(2.0 ** 52 * (x[i + 1] / x[i])) for i in range(n)]
    w = [x[i] / 2.0 ** 52 for i in range(n)]
    return r, k, w, [f(x[i]) for i in range(n)] + [1.0]


R, K, W, F = ziggurat_tables()


def normal(s, kinds):
    """One normal; appends 'fast', 'wedge', 'wedge-reject' or 'tail'."""
    bits = s.u64()
    while True:
        layer, neg, u = bits & 0xFF, (bits >> 8) & 1, bits >> 12
        x = float(u) * W[layer]
        if u < K[layer]:
            kinds.append("fast")
            return -x if neg else x
        if layer == 0:
            while True:
                tx = -math.log(s.uniform()) / R
                ty = -math.log(s.uniform())
                if ty + ty > tx * tx:
                    kinds.append("tail")
                    return -(R + tx) if neg else R + tx
        y = F[layer] + s.uniform() * (F[layer + 1] - F[layer])
        if y < math.exp(-0.5 * x * x):
            kinds.append("wedge")
            return -x if neg else x
        kinds.append("wedge-reject")
        bits = s.u64()


def normals_fixture():
    key, purpose, n = (0xDFAEF89E, 0x89748129), 0, 40
    chosen, wanted = [0, 1, 2, 3], {"tail": 2, "wedge": 2, "wedge-reject": 2}
    path = 4
    while any(wanted.values()) and path < 20000:
        kinds = []
        s = Stream(key, path, purpose)
        for _ in range(n):
            normal(s, kinds)
        hit = [k for k in wanted if wanted[k] and k in kinds]
        for k in hit:
            wanted[k] -= 1
        if hit:
            chosen.append(path)
        path += 1
    lines = ["# key0 key1 purpose path n, then n normals (float.hex), one path a line",
             "# from tools/paths_reference.py"]
    for p in chosen:
        kinds, s = [], Stream(key, p, purpose)
        vals = [normal(s, kinds) for _ in range(n)]
        lines.append("%08x %08x %d %d %d %s" % (key[0], key[1], purpose, p, n,
                                                 " ".join(v.hex() for v in vals)))
    return lines


def exp_exact(x):
    decimal.getcontext().prec = 50
    e = Fraction(decimal.Decimal(x).exp())
    try:
        return float(e)
    except OverflowError:
        return math.inf


def exp_fixture():
    rnd = random.Random(20261130)
    xs = [0.0, 1.0, -1.0, 0.5, 2.0 ** -54, -(2.0 ** -54), 2.0 ** -53, 1e-10,
          709.78, 709.782712893384, 709.79, -708.39, -708.4, -720.0, -744.4,
          -745.1, -745.14, 511.999, 512.0, -512.0, 600.0, -600.0, 1023.9,
          -1023.9]
    xs += [rnd.uniform(-745.2, 709.8) for _ in range(1500)]
    xs += [rnd.uniform(-12.0, 12.0) for _ in range(1500)]  # log prices
    xs += [math.copysign(2.0 ** rnd.uniform(-60, 9.5), rnd.random() - 0.5)
           for _ in range(1000)]
    lines = ["# x exp(x) correctly rounded (float.hex), from tools/paths_reference.py"]
    lines += ["%s %s" % (x.hex(), exp_exact(x).hex()) for x in xs]
    return lines


def ln_definition(x):
    """pc_ln (src/core/paths.c) operation for operation: Python floats are
    IEEE doubles with every operation rounded once, as C's without FMA."""
    ln2_hi, ln2_lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
    m, e = math.frexp(x)
    if m < 0.70710678118654752440:
        m *= 2.0
        e -= 1
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    poly = 1.0 / 23.0
    for k in range(21, 2, -2):
        poly = 1.0 / k + s2 * poly
    lm = 2.0 * s + 2.0 * s * (s2 * poly)
    return float(e) * ln2_hi + (lm + float(e) * ln2_lo)


def ln_fixture():
    rnd = random.Random(20261201)
    xs = [1.0, 2.0, 0.5, 0.70710678118654752440, 0.7071067811865475,
          0.7071067811865476, 1.4142135623730951, 1e-300, 1e300,
          2.0 ** -1022, 2.0 ** -1074, 3 * 2.0 ** -1060, 1.7976931348623157e308]
    xs += [rnd.uniform(0.5, 5000.0) for _ in range(1500)]  # closes
    xs += [math.exp(rnd.gauss(0.0, 0.03)) for _ in range(1500)]  # ratios
    xs += [2.0 ** rnd.uniform(-1070, 1023) for _ in range(1000)]
    lines = ["# x pc_ln(x) by its definition (float.hex), from tools/paths_reference.py"]
    lines += ["%s %s" % (x.hex(), ln_definition(x).hex()) for x in xs]
    return lines


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "normals_reference.txt").write_text("\n".join(normals_fixture()) + "\n")
    (OUT / "exp_reference.txt").write_text("\n".join(exp_fixture()) + "\n")
    (OUT / "ln_reference.txt").write_text("\n".join(ln_fixture()) + "\n")


if __name__ == "__main__":
    main()
