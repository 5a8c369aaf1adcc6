/**
 * Calibration beyond one machine: the statistics engine on Apache Spark ({@code stats --engine spark}). Each
 * partition loads the two encoders once, collects the statistics of its clips with the core library's
 * {@link org.permerge.correlate.Calibration}, and hands them back as a value; the driver adds the parts with the
 * exact merge. Kept out of the core library, which finds it at run time through
 * {@link org.permerge.correlate.StatisticsEngine}.
 */
package org.permerge.spark;
