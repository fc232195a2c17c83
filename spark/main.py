"""spark-submit's entry point (EMR Serverless `entryPoint`): the job itself is `spark.job`, shipped with
the layer in `--py-files` so its functions are importable on the executors."""

from spark.job import main

if __name__ == "__main__":
    main()
