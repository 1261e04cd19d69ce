from sandbox.mocks.smtp.app import main

if __name__ == "__main__":
    main()
