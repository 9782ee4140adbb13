/** Fourier transforms of any length (fft.js + Bluestein) and the Neumann cosine transform. */
export * from './fft.ts';
export * from './dct.ts';
