import numpy as np, time, sys
from PIL import Image
import pathlib
ROOT = pathlib.Path(__file__).resolve().parents[3]
IMG = str(ROOT / 'assets' / 'samples' / 'mountain_sunset_4272x2848_12mp.jpg')
# Scratch results (.npy spectra, .json tables) go to dist/bench/lanczos-plan/, never into the source tree.
OUT = ROOT / 'dist' / 'bench' / 'lanczos-plan'
OUT.mkdir(parents=True, exist_ok=True)
def load(ch):
    im=np.asarray(Image.open(IMG).convert('RGB'))
    return np.ascontiguousarray(im[:,:,ch]).astype(np.float32)
if __name__=='__main__':
    for ch in [1,0,2]:
        A=load(ch); print(ch, A.shape, flush=True)
        t=time.time(); s=np.linalg.svd(A[:1000,:1000].astype(np.float64),compute_uv=False); np.save(OUT / f'sv_crop_{ch}.npy',s)
        s=np.linalg.svd(A.astype(np.float64),compute_uv=False); np.save(OUT / f'sv_full_{ch}.npy',s)
        print(ch, time.time()-t, s[:3], s[255], flush=True)
