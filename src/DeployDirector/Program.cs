using DeployDirector.Cli;

return await UbdCommandLine.RunAsync(args).ConfigureAwait(false);
