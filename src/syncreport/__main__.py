from syncreport.cli import main

main()
