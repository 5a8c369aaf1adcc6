/**
 * The offline mini world's corpora: synthetic speech (espeak-ng) and music (fluidsynth with FluidR3 GM), rendered
 * many clips per process, with nuisance factors varied inside every class, per-task held-out splits and a
 * manifest that records how everything was made.
 */
package org.permerge.audio.corpus;
