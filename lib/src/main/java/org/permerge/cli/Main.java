package org.permerge.cli;

import org.permerge.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `./permerge` command line: one subcommand per pipeline step and tool. */
@Command(name = "permerge", mixinStandardHelpOptions = true, version = "permerge " + Version.VERSION,
        description = "Merge independently trained audio encoders by correlation-permutation alignment.",
        subcommands = {
                CommandLine.HelpCommand.class,
                CorpusCommand.class,
                CalibrationCommand.class,
                InspectCommand.class,
                ForwardCommand.class,
                EncoderBenchCommand.class,
                AlignBenchCommand.class,
                DownloadCommand.class,
                ReproduceCommand.class,
                PretrainCommand.class,
                StatsCommand.class,
                StatsMergeCommand.class,
                FeaturesCommand.class,
                PermuteCommand.class,
                MergeCommand.class,
                MergeBenchCommand.class,
                PaperScaleBenchCommand.class,
                DoctorCommand.class,
        })
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        int rc = new CommandLine(new Main())
                .setExecutionExceptionHandler((ex, cl, parsed) -> {
                    // Errors name what is wrong; a stack trace only helps developers.
                    cl.getErr().println("permerge: " + ex.getMessage());
                    if (System.getenv("PERMERGE_DEBUG") != null) ex.printStackTrace(cl.getErr());
                    return 1;
                })
                .execute(args);
        System.exit(rc);
    }
}
