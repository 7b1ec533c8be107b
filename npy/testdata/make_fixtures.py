"""Writes the .npy fixtures of package npy with NumPy (run with /usr/bin/python3).

Each file holds the same 2x3 values [[0,1,0],[1,1,0]] (or a 1-D array) in a
different dtype or format version; the Go test checks it decodes them all.
"""
import numpy as np
from numpy.lib import format as fmt

m = np.array([[0, 1, 0], [1, 1, 0]])
for dt in ["float32", "float64", "int64", "int32", "int8", "uint8", "bool"]:
    np.save(f"m_{dt}.npy", m.astype(dt))
for ver in [(1, 0), (2, 0), (3, 0)]:
    with open(f"v{ver[0]}.npy", "wb") as f:
        fmt.write_array(f, np.array([[1.5, -2.25, 3e-8]], dtype=np.float32), version=ver)
np.save("fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save("labels_f.npy", np.array([0.0, 1.0, 1.0]))
np.save("labels_bad.npy", np.array([0, 2, 1]))
np.save("big_endian.npy", np.array([1, 2], dtype=">f4"))
