/**
 * HuBERT-style masked-prediction pretraining of the mini encoders: the mini architecture, random
 * initialisation, frame targets from k-means over acoustic features, span masking, the prediction head,
 * the optimiser, the training loop and its loss curve.
 */
package org.permerge.pretrain;
