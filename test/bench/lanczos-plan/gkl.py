"""Block Golub-Kahan-Lanczos bidiagonalization w/ full reorth + one-sided Rayleigh-Ritz.
Prototype for truncated SVD of photo channels. Use /usr/bin/python3."""
import numpy as np

def qr_block(W, method, dt):
    """Orthonormalize columns of W (storage dtype dt). Returns Q (dt), R (f64)."""
    if method == 'np':
        Q, R = np.linalg.qr(W.astype(np.float64))
        return Q.astype(dt), R
    R = np.eye(W.shape[1])
    Q = W
    for _ in range(2):                      # CholeskyQR2
        if method == 'cq2_64':
            G = Q.astype(np.float64).T @ Q.astype(np.float64)
        elif method == 'cq2_32':            # Gram formed in float32 (sgemm)
            G = (Q.T @ Q).astype(np.float64)
        else:
            raise ValueError(method)
        L = np.linalg.cholesky(G)           # raises LinAlgError if not SPD
        Rk = L.T
        Q = (Q.astype(np.float64) @ np.linalg.inv(Rk)).astype(dt)
        R = Rk @ R
    return Q, R

def gkl(A, b, steps, seed=0, dt=np.float32, qr='cq2_64', M_mode='direct',
        start=None, r_out=None):
    """A: m x n (dtype dt used for products). Returns U (m x r), sig, V (n x r), info.
    start: optional n x c matrix of warm-start vectors (c <= b), rest of block Gaussian."""
    m, n = A.shape
    rng = np.random.default_rng(seed)
    Ad = A.astype(dt, copy=False)
    G0 = rng.standard_normal((n, b))
    if start is not None:
        c = start.shape[1]
        G0[:, :c] = start
    Q1, _ = np.linalg.qr(G0)
    s = b * steps
    P = np.zeros((m, s), dt)
    Q = np.zeros((n, s + b), dt)
    Q[:, :b] = Q1.astype(dt)
    M = np.zeros((s, s + b))               # built from recurrence coefficients
    for j in range(steps):
        qj = Q[:, j*b:(j+1)*b]
        W = Ad @ qj
        Pp = P[:, :j*b]
        for _ in range(2):                  # classical block GS, twice
            if j:
                W = W - Pp @ (Pp.T @ W)
        Pj, _ = qr_block(W, qr, dt)
        P[:, j*b:(j+1)*b] = Pj
        Z = Ad.T @ Pj                       # rows of P_j^T A
        Qp = Q[:, :(j+1)*b]
        C = np.zeros(((j+1)*b, b))
        for _ in range(2):
            Cp = Qp.T @ Z
            Z = Z - Qp @ Cp
            C += Cp.astype(np.float64)
        Qn, R = qr_block(Z, qr, dt)
        Q[:, (j+1)*b:(j+2)*b] = Qn
        # A^T P_j = Qp C + Qn R  =>  P_j^T A Qext = [C^T, R^T, 0...]
        M[j*b:(j+1)*b, :(j+1)*b] = C.T
        M[j*b:(j+1)*b, (j+1)*b:(j+2)*b] = R.T
    if M_mode == 'direct':                  # prototype: compute P^T A Qext explicitly
        M = (Ad.T @ P).astype(np.float64).T @ Q.astype(np.float64)
    Ub, sig, Vbt = np.linalg.svd(M, full_matrices=False)
    r = r_out or s
    U = P @ Ub[:, :r].astype(dt)
    V = Q @ Vbt[:r].T.astype(dt)
    return U, sig[:r], V, dict(cost=2*s, s=s)

def musco(A, b, q, seed=0, dt=np.float32, r_out=None):
    """Musco&Musco block Krylov: K=[AΩ,(AA^T)AΩ,...], RR via Q^T A. cost (2q+1)b + b(q+1)."""
    m, n = A.shape
    rng = np.random.default_rng(seed)
    Ad = A.astype(dt, copy=False)
    Om, _ = np.linalg.qr(rng.standard_normal((n, b)))
    Y = Ad @ Om.astype(dt); blocks = []
    for i in range(q + 1):
        Y = np.linalg.qr(Y.astype(np.float64))[0].astype(dt)
        blocks.append(Y)
        if i < q:
            Y = Ad @ (Ad.T @ Y)
    K = np.linalg.qr(np.hstack(blocks).astype(np.float64))[0].astype(dt)
    B = (Ad.T @ K).astype(np.float64).T
    Ub, sig, Vt = np.linalg.svd(B, full_matrices=False)
    r = r_out or K.shape[1]
    return (K @ Ub[:, :r].astype(dt)), sig[:r], Vt[:r].T.astype(dt), dict(cost=(2*q+1)*b + b*(q+1), s=b*(q+1))

def evaluate(A64, normA2, s_exact, U, sig, V, r):
    """Residual of the *output* approximation U_k diag(sig_k) V_k^T for every k<=r
    (exact, accounting for non-orthonormality of U,V), vs optimal."""
    U = U[:, :r].astype(np.float64); V = V[:, :r].astype(np.float64); sg = sig[:r]
    d = np.einsum('ij,ij->j', U, A64 @ V)           # u_i^T A v_i
    H = np.outer(sg, sg) * (U.T @ U) * (V.T @ V)
    C = np.cumsum(np.cumsum(H, 0), 1)
    k = np.arange(r)
    res2 = normA2 - 2*np.cumsum(sg*d) + C[k, k]
    tail = np.cumsum((s_exact**2)[::-1])[::-1]      # tail[k] = sum_{i>=k} s_i^2 (0-based)
    opt2 = tail[1:r+1]                               # optimal for rank k=1..r
    ratio = np.sqrt(np.maximum(res2, 0) / opt2)
    rel = np.abs(sg - s_exact[:r]) / s_exact[:r]
    return dict(res_exc=100*(ratio.max()-1), res_exc_r=100*(ratio[-1]-1),
                sig_half=100*rel[:r//2].max(), sig_all=100*rel.max())
