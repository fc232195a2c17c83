from evaluation.run import main

main()
