using Ubd.Cli;

return await UbdCommandLine.RunAsync(args).ConfigureAwait(false);
