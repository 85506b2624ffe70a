/**
 * Cholesky factorisation of symmetric positive definite systems, for the closed-form
 * ridge (ridge.ts) and the logistic regression's preconditioner (logreg.ts).
 * Matrices are row-major m × m Float64Arrays of which only the lower triangle is read.
 */

/**
 * Overwrites the lower triangle of a with L, where A = L Lᵀ; false (a then partly
 * overwritten) when A is numerically not positive definite.
 */
export function choleskyInPlace(a: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    const rowJ = j * m;
    let diag = a[rowJ + j]!;
    for (let k = 0; k < j; k++) diag -= a[rowJ + k]! * a[rowJ + k]!;
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      const rowI = i * m;
      let s = a[rowI + j]!;
      for (let k = 0; k < j; k++) s -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = s / ljj;
    }
  }
  return true;
}

/** Solves A x = b, overwriting A by its factor L; null when A is not positive definite. */
export function choleskySolve(a: Float64Array, m: number, b: ArrayLike<number>): Float64Array | null {
  if (!choleskyInPlace(a, m)) return null;
  // L z = b, then Lᵀ x = z.
  const x = Float64Array.from(b);
  for (let i = 0; i < m; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= a[i * m + k]! * x[k]!;
    x[i] = s / a[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < m; k++) s -= a[k * m + i]! * x[k]!;
    x[i] = s / a[i * m + i]!;
  }
  return x;
}
