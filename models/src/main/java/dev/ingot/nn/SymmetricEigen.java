package dev.ingot.nn;

/**
 * Eigenvalues and eigenvectors of a small symmetric matrix by cyclic Jacobi rotations (Golub and
 * Van Loan, §8.5): each rotation zeroes one off-diagonal pair; sweeps repeat until the off-diagonal
 * mass is negligible. Plenty for the 12×12 patch covariance of a whitening layer, and exact to
 * double rounding, with no linear-algebra library.
 */
final class SymmetricEigen {
    private SymmetricEigen() {
    }

    /**
     * @param a       symmetric n×n, left untouched
     * @param vectors n×n, overwritten: column j is the unit eigenvector of eigenvalue j
     * @return the eigenvalues, in no particular order (see {@link #indexOfRank})
     */
    static double[] decompose(double[][] a, double[][] vectors) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
            java.util.Arrays.fill(vectors[i], 0);
            vectors[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, total = 0;
            for (int p = 0; p < n; p++) {
                for (int q = 0; q < n; q++) {
                    total += m[p][q] * m[p][q];
                    if (p != q) {
                        off += m[p][q] * m[p][q];
                    }
                }
            }
            if (off <= 1e-30 * Math.max(total, Double.MIN_NORMAL)) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (m[p][q] == 0) {
                        continue;
                    }
                    // The rotation angle that zeroes m[p][q]: tan(2θ) = 2 m_pq / (m_qq - m_pp), smaller root.
                    double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                    double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) {
                        double mkp = m[k][p], mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double mpk = m[p][k], mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = vectors[k][p], vkq = vectors[k][q];
                        vectors[k][p] = c * vkp - s * vkq;
                        vectors[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = m[i][i];
        }
        return values;
    }

    /** The index of the {@code rank}-th largest eigenvalue (0 for the largest). */
    static int indexOfRank(double[] values, int rank) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(values[y], values[x]));
        return order[rank];
    }
}
