/**
 * Calibration and probe features beyond one machine: the statistics engine ({@code stats --engine spark}) and the
 * feature engine ({@code features --engine spark}) on Apache Spark. For statistics each partition loads the two
 * encoders once, collects the statistics of its clips with the core library's
 * {@link org.permerge.correlate.Calibration}, and hands them back as a value; the driver adds the parts with the
 * exact merge. For features each partition runs whole batches of clips through one encoder and hands back its
 * per-clip rows; the driver puts them in manifest order. Kept out of the core library, which finds both at run
 * time through {@link org.permerge.correlate.StatisticsEngine} and {@link org.permerge.bench.FeatureEngine}.
 */
package org.permerge.spark;
